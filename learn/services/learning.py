"""A learner's path: reading modules, quiz attempts, progress and completion."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import Row, and_, bindparam, func, inspect, select, update
from sqlalchemy.exc import IntegrityError

from learn.core import quiz as quiz_rules
from learn.core.errors import QuizError
from learn.core.quiz import Outcome, Question, Score, Step
from learn.extensions import db, plain
from learn.models import (
    AttemptAnswer,
    Course,
    Enrolment,
    Module,
    ModuleProgress,
    Person,
    QuizAttempt,
    QuizVersion,
    TrackCompletion,
)
from learn.models.base import utcnow
from learn.services import events
from learn.services.catalogue import (
    COURSE_ROWS,
    COURSES_MODULE_ROWS,
    LiveCourse,
    LiveModule,
    ModuleInfo,
    course_info,
    course_modules,
    module_info,
    module_infos,
    quiz_for,
    split_course_module,
)
from learn.services.tracks import CURRENT_ON_COURSE, effective_lenses, mark_tracks_started

logger = logging.getLogger(__name__)


def _key(row) -> int:
    """Return a stored row's primary key without loading it (or a plain object's ``id``).

    A commit expires every object in the session, and reading even ``id`` of an expired
    object reloads its whole row; the write path commits several times per request.
    """
    state = inspect(row, raiseerr=False)  # None for a plain object such as a SessionUser
    identity = state.identity if state is not None else None
    return identity[0] if identity else row.id


class LearningError(Exception):
    """A request the rules refuse; ``status`` is the HTTP status a view should answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- progress ----------------------------------------------------------------------------


class ModuleStatus(NamedTuple):
    """Where a learner is in one module of a track (a named tuple: cheap to make and hash)."""

    slug: str
    title: str
    minutes: int
    is_read: bool
    is_passed: bool
    is_complete: bool
    best_score: float | None
    has_update: bool

    @property
    def is_started(self) -> bool:
        return self.is_read or self.best_score is not None


@dataclass(frozen=True)
class TrackProgress:
    """A learner's progress through one track."""

    #: An ``Enrolment`` or a row of its columns.
    enrolment: Enrolment | Row
    course: LiveCourse
    track: dict
    modules: tuple[ModuleStatus, ...]
    #: The completion's ``completed_at`` as a plain row, if the track is complete.
    completion: Row | None
    #: The title of the course's live version.
    course_title: str = ""

    @property
    def done(self) -> int:
        return sum(1 for m in self.modules if m.is_complete)

    @property
    def total(self) -> int:
        return len(self.modules)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def minutes(self) -> int:
        return sum(m.minutes for m in self.modules)

    @property
    def next_module(self) -> ModuleStatus | None:
        return next((m for m in self.modules if not m.is_complete), None)

    def is_overdue(self, today: date) -> bool:
        """Overdue is computed, never stored: due date passed and not complete."""
        due = self.enrolment.due_on
        return due is not None and self.completion is None and due < today


# Statements the learner pages run on every request are built once: building a statement
# and its cache key costs more than running it.
# Progress pages read plain rows, not ORM objects, for what they only show.
_PROGRESS_IN = select(
    ModuleProgress.module_id,
    ModuleProgress.module_version_id,
    # Whether, not when: no datetimes to convert.
    ModuleProgress.read_at.is_not(None).label("is_read"),
    ModuleProgress.passed_at.is_not(None).label("is_passed"),
    ModuleProgress.completed_at.is_not(None).label("is_complete"),
    ModuleProgress.best_score,
).where(
    ModuleProgress.user_id == bindparam("user_id"),
    ModuleProgress.module_id.in_(bindparam("ids", expanding=True)),
)
_COMPLETIONS_IN = select(
    TrackCompletion.course_id, TrackCompletion.track_slug, TrackCompletion.completed_at
).where(
    TrackCompletion.user_id == bindparam("user_id"),
    TrackCompletion.course_id.in_(bindparam("ids", expanding=True)),
)
_PROGRESS = select(ModuleProgress).where(
    ModuleProgress.user_id == bindparam("user_id"),
    ModuleProgress.module_id == bindparam("module_id"),
)
_OPEN_ATTEMPT = select(QuizAttempt).where(
    QuizAttempt.user_id == bindparam("user_id"),
    QuizAttempt.module_id == bindparam("module_id"),
    QuizAttempt.submitted_at.is_(None),
)
#: The track of the learner's current enrolment on a course.
_CURRENT_TRACK = CURRENT_ON_COURSE.with_only_columns(Enrolment.track_slug)
#: What the module page shows of the learner's progress, their unfinished attempt and
#: the track they are on (one statement: on PostgreSQL each is a round trip).
_READING_STATE = (
    select(
        ModuleProgress.module_version_id,
        ModuleProgress.read_at,
        ModuleProgress.passed_at,
        ModuleProgress.completed_at,
        ModuleProgress.best_score,
        ModuleProgress.last_section,
        QuizAttempt.id.label("open_attempt_id"),
        _CURRENT_TRACK.scalar_subquery().label("track_slug"),
    )
    .outerjoin(
        QuizAttempt,
        and_(
            QuizAttempt.user_id == ModuleProgress.user_id,
            QuizAttempt.module_id == ModuleProgress.module_id,
            QuizAttempt.submitted_at.is_(None),
        ),
    )
    .where(
        ModuleProgress.user_id == bindparam("user_id"),
        ModuleProgress.module_id == bindparam("module_id"),
    )
    .limit(1)
)
_RECENT_ATTEMPTS = (
    select(
        QuizAttempt.id,
        QuizAttempt.number,
        QuizAttempt.submitted_at,
        QuizAttempt.score,
        QuizAttempt.passed,
        Module.slug,
        Module.live_version_id,
        Course.slug,
    )
    .join(Module, Module.id == QuizAttempt.module_id)
    .join(Course, Course.id == Module.course_id)
    .where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.submitted_at.is_not(None),
        Module.live_version_id.is_not(None),
    )
    .order_by(QuizAttempt.submitted_at.desc())
    .limit(bindparam("limit"))
)
_SCORED_ANSWERS = select(AttemptAnswer.points, AttemptAnswer.max_points).where(
    AttemptAnswer.attempt_id == bindparam("attempt_id"), AttemptAnswer.points.is_not(None)
)
#: One question's answers (the steps of a branching scenario), without loading the others.
_QUESTION_ANSWERS = (
    select(AttemptAnswer.answer, AttemptAnswer.points, AttemptAnswer.max_points)
    .where(
        AttemptAnswer.attempt_id == bindparam("attempt_id"),
        AttemptAnswer.question_id == bindparam("question_id"),
    )
    .order_by(AttemptAnswer.step)
)
_ATTEMPT_BY_ID = select(QuizAttempt).where(QuizAttempt.id == bindparam("id"))
#: The table's own INSERT (not the ORM's bulk path), built once.
_INSERT_ANSWER = AttemptAnswer.__table__.insert()
_DONE_QUESTIONS = select(AttemptAnswer.question_id).where(
    AttemptAnswer.attempt_id == bindparam("attempt_id"), AttemptAnswer.points.is_not(None)
)


def track_progress(user: Person, enrolment: Enrolment) -> TrackProgress:
    """Return the learner's progress on ``enrolment``'s track."""
    return tracks_progress(user, [enrolment])[0]


def tracks_progress(user: Person, enrolments: list[Enrolment]) -> list[TrackProgress]:
    """Return the learner's progress on each of ``enrolments``, in order.

    Three queries whatever the number of tracks: the courses with their live modules, the
    learner's progress rows and completions; version titles come from the per-process cache.
    """
    if not enrolments:
        return []
    courses: dict[int, LiveCourse] = {}
    modules_of: dict[int, dict[str, LiveModule]] = {e.course_id: {} for e in enrolments}
    for row in plain(COURSES_MODULE_ROWS, {"ids": list(modules_of)}):
        course, module = split_course_module(row)
        courses[course.id] = course
        modules_of[course.id][module.slug] = module
    if missing := [e.course_id for e in enrolments if e.course_id not in courses]:
        # Courses without live modules.
        courses.update((c.id, LiveCourse(*c)) for c in plain(COURSE_ROWS, {"ids": missing}))
    ids = [m.id for modules in modules_of.values() for m in modules.values()]
    user_id = _key(user)
    progress = {p.module_id: p for p in plain(_PROGRESS_IN, {"user_id": user_id, "ids": ids})}
    completions = {
        (c.course_id, c.track_slug): c
        for c in plain(_COMPLETIONS_IN, {"user_id": user_id, "ids": list(courses)})
    }
    infos = module_infos(
        [m.live_version_id for modules in modules_of.values() for m in modules.values()]
        + [p.module_version_id for p in progress.values()]
    )
    found = []
    for enrolment in enrolments:
        course = courses[enrolment.course_id]
        version = course_info(course.live_version_id)
        track = version.track(enrolment.track_slug) or {
            "slug": enrolment.track_slug,
            "title": enrolment.track_slug,
            "modules": [],
            "lenses": [],
        }
        modules = modules_of[enrolment.course_id]
        statuses = []
        for slug in track["modules"]:
            module = modules.get(slug)
            if module is None:
                continue
            p = progress.get(module.id)
            shown = infos[p.module_version_id] if p else infos[module.live_version_id]
            statuses.append(
                ModuleStatus(
                    slug=slug,
                    title=shown.title,
                    minutes=shown.minutes,
                    is_read=bool(p and p.is_read),
                    is_passed=bool(p and p.is_passed),
                    is_complete=bool(p and p.is_complete),
                    best_score=p.best_score if p else None,
                    has_update=bool(
                        p and not p.is_complete and p.module_version_id != module.live_version_id
                    ),
                )
            )
        completion = completions.get((course.id, enrolment.track_slug))
        found.append(
            TrackProgress(enrolment, course, track, tuple(statuses), completion, version.title)
        )
    return found


# --- reading -----------------------------------------------------------------------------


def module_progress(user: Person, module: Module | LiveModule) -> ModuleProgress | None:
    """Return the learner's progress row for ``module``, or None if never opened."""
    return db.session.scalar(_PROGRESS, {"user_id": user.id, "module_id": module.id})


def open_module(user: Person, module: Module | LiveModule) -> ModuleProgress:
    """Return the learner's progress in ``module``, pinning the live version on first open."""
    progress = module_progress(user, module)
    if progress is not None:
        return progress
    progress = ModuleProgress(
        user_id=user.id,
        module_id=module.id,
        module_version_id=module.live_version_id,
        quiz_version_id=module.live_quiz_version_id,
    )
    db.session.add(progress)
    try:
        db.session.flush()
        mark_tracks_started(progress, module)
        db.session.commit()
    except IntegrityError:
        # Opened twice at once (two tabs): the other request made the row.
        db.session.rollback()
        progress = module_progress(user, module)
        assert progress is not None
    return progress


def mark_read(user: Person, module: Module) -> ModuleProgress:
    """Record that the learner has read the module (server-side), then check completion."""
    progress = open_module(user, module)
    if progress.read_at is None:
        progress.read_at = utcnow()
        db.session.commit()
        logger.info("module read user=%s module=%s", _key(user), _key(module))
        _complete_module(user, module, progress)
    return progress


def save_position(user: Person, module: Module, section: str) -> None:
    """Remember the section the learner reached, so coming back resumes there."""
    progress = open_module(user, module)
    if progress.last_section != section:
        progress.last_section = section[:120]
        db.session.commit()


def move_to_latest(user: Person, module: Module) -> ModuleProgress:
    """Move a learner part-way through a module to its live versions, at their request."""
    progress = open_module(user, module)
    if progress.completed_at is None:
        progress.module_version_id = module.live_version_id
        if progress.passed_at is None:
            progress.quiz_version_id = module.live_quiz_version_id
        db.session.commit()
    return progress


# --- quiz attempts -----------------------------------------------------------------------


def attempts_for(user: Person, module: Module) -> list[QuizAttempt]:
    """Return the learner's attempts at ``module``'s quiz, newest first."""
    return list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id)
            .order_by(QuizAttempt.number.desc())
        )
    )


def open_attempt(user: Person, module: Module) -> QuizAttempt | None:
    """Return the learner's unfinished attempt at ``module``'s quiz, if any."""
    return db.session.scalar(_OPEN_ATTEMPT, {"user_id": user.id, "module_id": module.id})


class ReadingState(NamedTuple):
    """Where a learner is in a module they are reading."""

    #: The track of their current enrolment on the course, or None.
    track: dict | None
    #: Their progress in the module, as a plain row.
    progress: Row
    open_attempt_id: int | None


def reading_state(
    user: Person, course: Course | LiveCourse, module: Module | LiveModule
) -> ReadingState | None:
    """Return the learner's progress, open attempt and current track in one query, or None
    if they have never opened the module (:func:`open_module` pins its version first)."""
    params = {"user_id": user.id, "module_id": module.id, "course_id": course.id}
    row = plain(_READING_STATE, params).first()
    if row is None:
        return None
    track = course_info(course.live_version_id).track(row.track_slug) if row.track_slug else None
    return ReadingState(track, row, row.open_attempt_id)


def start_attempt(
    user: Person, module: Module, enrolment: Enrolment | None, rng: random.Random | None = None
) -> QuizAttempt:
    """Start an attempt (or return the open one): a fresh draw, options shuffled."""
    existing = open_attempt(user, module)
    if existing is not None:
        return existing
    progress = open_module(user, module)
    if progress.quiz_version_id is None:
        progress.quiz_version_id = module.live_quiz_version_id
    quiz = quiz_for(progress.quiz_version_id) if progress.quiz_version_id else None
    if quiz is None:
        raise LearningError("This module has no quiz yet.", 404)
    made = db.session.scalar(
        select(func.count(QuizAttempt.id)).where(
            QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id
        )
    )
    if not quiz_rules.has_attempts_left(quiz, made):
        raise LearningError("You have used all the attempts this quiz allows.", 409)
    track = (
        course_info(enrolment.course.live_version_id).track(enrolment.track_slug)
        if enrolment
        else None
    )
    lenses = effective_lenses(user, track)
    rng = rng or random.Random()
    drawn = quiz_rules.draw_questions(quiz, lenses, track["slug"] if track else None, rng)
    attempt = QuizAttempt(
        user_id=user.id,
        module_id=module.id,
        quiz_version_id=progress.quiz_version_id,
        number=made + 1,
        track_slug=track["slug"] if track else None,
        question_ids=[q.id for q in drawn],
        option_orders={q.id: [o.id for o in quiz_rules.shuffled_options(q, rng)] for q in drawn},
        lenses=sorted(lenses),
    )
    db.session.add(attempt)
    try:
        db.session.commit()
    except IntegrityError:
        # Started twice at once: the attempt number is taken, so use the other one.
        db.session.rollback()
        existing = open_attempt(user, module)
        if existing is None:
            raise
        return existing
    logger.info("attempt started user=%s module=%s number=%s", _key(user), _key(module), made + 1)
    return attempt


def attempt_quiz(attempt: QuizAttempt):
    """Return the core quiz an attempt is on."""
    return quiz_for(attempt.quiz_version_id)


def get_attempt(user: Person, attempt_id: int) -> QuizAttempt:
    """Return the learner's own attempt, or raise a 404 for anyone else's or a missing one."""
    attempt = db.session.scalar(_ATTEMPT_BY_ID, {"id": attempt_id})
    if attempt is None or attempt.user_id != user.id:
        raise LearningError("There is no such attempt.", 404)
    return attempt


def answers_by_question(attempt: QuizAttempt) -> dict[str, list[AttemptAnswer]]:
    """Return the attempt's answers grouped by question, steps in order."""
    grouped: dict[str, list[AttemptAnswer]] = {}
    for answer in sorted(attempt.answers, key=lambda a: (a.question_id, a.step)):
        grouped.setdefault(answer.question_id, []).append(answer)
    return grouped


def is_question_done(question: Question, rows: list[AttemptAnswer]) -> bool:
    """Return whether a question has its final answer (scored)."""
    return bool(rows) and rows[-1].points is not None


def current_question(attempt: QuizAttempt) -> Question | None:
    """Return the first question of the attempt not yet finished, or None."""
    quiz = attempt_quiz(attempt)
    grouped = answers_by_question(attempt)
    for question_id in attempt.question_ids:
        question = quiz.question(question_id)
        if not is_question_done(question, grouped.get(question_id, [])):
            return question
    return None


@dataclass(frozen=True)
class AnswerResult:
    """What answering did: the question's score once finished, and whether the quiz ended."""

    question: Question
    score: Score | None
    is_duplicate: bool
    attempt_finished: bool


def answer_question(
    user: Person, attempt: QuizAttempt, question_id: str, answer: tuple[str, ...]
) -> AnswerResult:
    """Record and grade one answer (or one branching step); score the attempt after the last.

    A second submission of the same answer counts once: the unique constraint on
    (attempt, question, step) refuses it and the first one stands.

    :raises LearningError: 404 for someone else's attempt, 409 for a closed one, 400 for a
        question outside the attempt or an answer that does not fit the question.
    """
    if attempt.user_id != user.id:
        raise LearningError("There is no such attempt.", 404)
    if attempt.submitted_at is not None:
        raise LearningError("This attempt is already finished.", 409)
    if question_id not in attempt.question_ids:
        raise LearningError("That question is not part of this attempt.", 400)
    quiz = attempt_quiz(attempt)
    question = quiz.question(question_id)
    rows = db.session.execute(
        _QUESTION_ANSWERS, {"attempt_id": attempt.id, "question_id": question_id}
    ).all()
    if is_question_done(question, rows):
        return AnswerResult(question, _row_score(rows[-1]), True, attempt.submitted_at is not None)
    step = len(rows) if question.type == "branching" else 0
    try:
        score = _grade_step(question, [r.answer[0] for r in rows], answer)
    except QuizError as exc:
        raise LearningError(f"That answer does not fit the question: {exc}", 400) from exc
    attempt_id, question_ids = attempt.id, list(attempt.question_ids)
    quiz_version_id, module_id = attempt.quiz_version_id, attempt.module_id
    try:
        # A Core INSERT: one statement, without the unit of work's bookkeeping.
        db.session.execute(
            _INSERT_ANSWER,
            {
                "attempt_id": attempt_id,
                "question_id": question_id,
                "step": step,
                "answer": list(answer),
                "points": score.points if score else None,
                "max_points": score.max_points if score else None,
            },
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        db.session.refresh(attempt)
        rows = answers_by_question(attempt).get(question_id, [])
        return AnswerResult(question, _row_score(rows[-1]) if rows else None, True, False)
    finished = False
    if score is not None:
        # Read afresh what is answered: other requests may have answered other questions.
        done = set(db.session.scalars(_DONE_QUESTIONS, {"attempt_id": attempt_id}))
        if all(q in done for q in question_ids):
            finished = _finish(user, attempt_id, quiz_version_id, module_id)
    return AnswerResult(question, score, False, finished)


def _row_score(row: AttemptAnswer) -> Score | None:
    if row.points is None:
        return None
    return Score(row.points, row.max_points or 0.0)


def _grade_step(question: Question, previous: list[str], answer: tuple[str, ...]) -> Score | None:
    """Grade an answer; for a branching step, None until the scenario reaches an outcome."""
    if question.type != "branching":
        return quiz_rules.grade(question, answer)
    if len(answer) != 1:
        raise QuizError("choose one option at each step")
    path = (*previous, answer[0])
    node = quiz_rules.next_step(question, path)
    if isinstance(node, Outcome):
        return quiz_rules.grade(question, path)
    return None


def finish_attempt(user: Person, attempt: QuizAttempt) -> bool:
    """Score a fully answered attempt once; update progress and completion.

    Returns True if this call finished it (False if another request already had).
    """
    finished = _finish(user, attempt.id, attempt.quiz_version_id, attempt.module_id)
    if finished:
        db.session.refresh(attempt)
    return finished


def _finish(user: Person, attempt_id: int, quiz_version_id: int, module_id: int) -> bool:
    user_id = _key(user)
    scores = [
        Score(points, max_points or 0.0)
        for points, max_points in db.session.execute(_SCORED_ANSWERS, {"attempt_id": attempt_id})
    ]
    quiz = quiz_for(quiz_version_id)
    percent = round(quiz_rules.percentage(scores), 2)
    passed = quiz_rules.is_pass(quiz, percent)
    # Read before writing, so the write transaction (and SQLite's lock) stays short. Only
    # this attempt's finishing touches these figures, and it happens once (below).
    progress = db.session.scalar(_PROGRESS, {"user_id": user_id, "module_id": module_id})
    # The conditional update is what makes finishing happen once under concurrency.
    result = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt_id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=utcnow(), score=percent, passed=passed)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    if progress.best_score is None or percent > progress.best_score:
        progress.best_score = percent
    if passed and progress.passed_at is None:
        progress.passed_at = utcnow()
    db.session.commit()
    logger.info(
        "attempt graded user=%s attempt=%s score=%s passed=%s", user_id, attempt_id, percent, passed
    )
    if passed:
        _complete_module(user, db.session.get(Module, module_id), progress)
    return True


# --- completion --------------------------------------------------------------------------


def _complete_module(user: Person, module: Module, progress: ModuleProgress) -> None:
    """Mark the module complete when read and passed, then check the learner's tracks."""
    if progress.completed_at is not None or not (progress.read_at and progress.passed_at):
        return
    user_id, module_id, slug = _key(user), module.id, module.slug
    course_id, course_version_id = module.course_id, module.course.live_version_id
    result = db.session.execute(
        update(ModuleProgress)
        .where(ModuleProgress.id == progress.id, ModuleProgress.completed_at.is_(None))
        .values(completed_at=utcnow())
    )
    db.session.commit()
    if result.rowcount != 1:
        return
    logger.info("module complete user=%s module=%s", user_id, module_id)
    enrolled = db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    ).all()
    for enrolment in enrolled:
        track = course_info(course_version_id).track(enrolment.track_slug)
        if track and slug in track["modules"]:
            check_track_completion(user, enrolment)


def check_track_completion(user: Person, enrolment: Enrolment) -> bool:
    """Record the track's completion once, when every module is complete; send the event.

    Return whether the track is complete (recorded now, before, or by a concurrent request).
    """
    progress = track_progress(user, enrolment)
    if progress.completion is not None:
        return True
    if progress.total == 0 or progress.done < progress.total:
        return False
    modules = course_modules(enrolment.course)
    rows = db.session.scalars(
        select(ModuleProgress).where(
            ModuleProgress.user_id == _key(user),
            ModuleProgress.module_id.in_([modules[m.slug].id for m in progress.modules]),
        )
    ).all()
    by_module = {r.module_id: r for r in rows}
    module_numbers = module_infos([r.module_version_id for r in rows])
    quiz_numbers = dict(
        db.session.execute(
            select(QuizVersion.id, QuizVersion.number).where(
                QuizVersion.id.in_([r.quiz_version_id for r in rows if r.quiz_version_id])
            )
        ).all()
    )
    versions = {}
    for status in progress.modules:
        row = by_module[modules[status.slug].id]
        versions[status.slug] = {
            "module": module_numbers[row.module_version_id].number,
            "quiz": quiz_numbers[row.quiz_version_id] if row.quiz_version_id else None,
        }
    completion = TrackCompletion(
        user_id=_key(user),
        course_id=enrolment.course_id,
        track_slug=enrolment.track_slug,
        course_version_id=enrolment.course.live_version_id,
        versions=versions,
    )
    db.session.add(completion)
    enrolment.completed_at = completion.completed_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:
        # Completed by a concurrent request: that one sent the event.
        db.session.rollback()
        return True
    logger.info("track complete user=%s track=%s", _key(user), enrolment.track_slug)
    events.track_completed.send(completion, completion=completion)
    return True


# --- what the pages show -----------------------------------------------------------------


def module_version(progress: ModuleProgress) -> ModuleInfo:
    """Return what the page shows of the module version the learner is on (pinned at start)."""
    return module_info(progress.module_version_id)


def quiz_version(progress: ModuleProgress, module: Module) -> QuizVersion | None:
    """Return the quiz version the learner is on (pinned at their first attempt)."""
    version_id = progress.quiz_version_id or module.live_quiz_version_id
    return db.session.get(QuizVersion, version_id) if version_id else None


def quiz_of(progress: ModuleProgress, module: Module):
    """Return the core quiz the learner is on (pinned at their first attempt), or None."""
    version_id = progress.quiz_version_id or module.live_quiz_version_id
    return quiz_for(version_id) if version_id else None


@dataclass(frozen=True)
class Neighbours:
    """The modules before and after one module in the learner's track."""

    previous: tuple[str, str] | None
    next: tuple[str, str] | None


def neighbours(
    course: Course, track: dict | None, slug: str, modules: dict[str, Module] | None = None
) -> Neighbours:
    """Return (slug, title) of the previous and next modules in ``track`` (or the course).

    :param modules: the course's live modules by slug, if the caller has them already.
    """
    if modules is None:
        modules = course_modules(course)
    infos = module_infos([m.live_version_id for m in modules.values()])
    if track:
        order = [s for s in track["modules"] if s in modules]
    else:
        order = sorted(modules, key=lambda s: infos[modules[s].live_version_id].position)
    if slug not in order:
        return Neighbours(None, None)
    i = order.index(slug)

    def pair(j: int) -> tuple[str, str] | None:
        if 0 <= j < len(order):
            return order[j], infos[modules[order[j]].live_version_id].title
        return None

    return Neighbours(pair(i - 1), pair(i + 1))


@dataclass(frozen=True)
class AttemptRow:
    """One past attempt for "My learning"."""

    #: The attempt's id, number, submitted_at, score and passed, as a plain row.
    attempt: Row
    module_title: str
    course_slug: str
    module_slug: str


def recent_attempts(user: Person, limit: int = 10) -> list[AttemptRow]:
    """Return the learner's latest finished attempts with their module titles (one query)."""
    rows = plain(_RECENT_ATTEMPTS, {"user_id": user.id, "limit": limit}).all()
    titles = module_infos([row[-2] for row in rows])
    return [
        AttemptRow(row, titles[version_id].title, course_slug, module_slug)
        for row in rows
        for module_slug, version_id, course_slug in [row[-3:]]
    ]


def attempt_module(attempt: QuizAttempt) -> Module:
    """Return the module an attempt belongs to."""
    return db.session.get(Module, attempt.module_id)


def attempt_title(attempt: QuizAttempt) -> str:
    """Return the title of the module version the learner is on."""
    version_id = db.session.scalar(
        select(ModuleProgress.module_version_id).where(
            ModuleProgress.user_id == attempt.user_id,
            ModuleProgress.module_id == attempt.module_id,
        )
    )
    return module_info(version_id).title


def branch_taken(question: Question, rows: list[AttemptAnswer]) -> list[tuple]:
    """Return the (step, choice) pairs already taken in a branching scenario."""
    path, _ = quiz_rules.walk(question, [r.answer[0] for r in rows])
    return path


def current_step(question: Question, rows: list[AttemptAnswer]) -> Step | None:
    """Return the step to answer next in a branching scenario (None once it has ended)."""
    node = quiz_rules.next_step(question, [r.answer[0] for r in rows])
    return node if isinstance(node, Step) else None


@dataclass(frozen=True)
class QuestionReview:
    """An answered question with what the learner chose and the feedback they earned."""

    question: Question
    answer: tuple[str, ...]
    score: Score | None
    feedback: list[tuple[str, str]]
    #: For branching: the step the learner is now at, or the outcome reached.
    node: object | None
    path: list


def review_question(attempt: QuizAttempt, question_id: str) -> QuestionReview | None:
    """Return the feedback for a question of ``attempt`` the learner has answered, else None.

    Nothing is returned for unanswered questions, so their feedback never reaches the page.
    """
    if question_id not in attempt.question_ids:
        return None
    question = attempt_quiz(attempt).question(question_id)
    rows = answers_by_question(attempt).get(question_id, [])
    if not rows:
        return None
    if question.type == "branching":
        choices = [r.answer[0] for r in rows]
        path, node = quiz_rules.walk(question, choices)
        feedback = [(step.id, choice.feedback) for step, choice in path]
        if isinstance(node, Outcome):
            feedback.append((node.id, node.text))
        return QuestionReview(question, tuple(choices), _row_score(rows[-1]), feedback, node, path)
    answer = tuple(rows[0].answer)
    return QuestionReview(
        question,
        answer,
        _row_score(rows[0]),
        quiz_rules.feedback_for(question, answer),
        None,
        [],
    )


def can_retry(user: Person, module: Module) -> bool:
    """Return whether the learner may start another attempt at ``module``'s quiz."""
    progress = module_progress(user, module)
    quiz = quiz_of(progress, module) if progress else None
    if quiz is None:
        return False
    made = db.session.scalar(
        select(func.count(QuizAttempt.id)).where(
            QuizAttempt.user_id == user.id, QuizAttempt.module_id == module.id
        )
    )
    return quiz_rules.has_attempts_left(quiz, made)


def recent_completions(user: Person, attempt: QuizAttempt) -> list[TrackCompletion]:
    """Return track completions recorded when (or after) ``attempt`` finished."""
    if attempt.submitted_at is None:
        return []
    return list(
        db.session.scalars(
            select(TrackCompletion).where(
                TrackCompletion.user_id == user.id,
                TrackCompletion.completed_at >= attempt.submitted_at,
            )
        )
    )
