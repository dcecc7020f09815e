"""Question analysis for trainers: which questions fail, and which options mislead.

Figures are per quiz version, over finished attempts, and follow Moodle's quiz statistics
(MoodleDocs, "Quiz statistics calculations", docs.moodle.org/dev/Quiz_statistics_calculations,
and the help of the quiz statistics report, docs.moodle.org/en/Quiz_statistics_report):

- *Facility index*: the mean score on the question as a percentage of its maximum
  (100 × mean(x) / max). High means easy.
- *Discrimination index*: 100 × the correlation coefficient between the scores on the
  question, x, and the scores on the rest of the test, X = (attempt total − x), over the
  attempts that were asked the question: 100 × Cov(x, X) / sqrt(V(x) × V(X)). Moodle
  correlates with the *rest* of the test so the question does not correlate with itself.
  It is undefined (None here) when either score does not vary or fewer than two attempts
  answered. Above 30 discriminates well; near or below 0 deserves a look.
- How often each option was chosen (for ordering questions: how often each item was put in
  its right place; for branching scenarios: each choice at each step, and each outcome).

All answers of a version are read in one query and summed in one pass.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from learn.core.errors import QuizError
from learn.core.quiz import Outcome, Question
from learn.core.quiz import walk as walk_branch
from learn.extensions import db
from learn.models import AttemptAnswer, QuizAttempt, QuizVersion
from learn.services.catalogue import core_quiz

#: Below this facility (percent) a question is flagged as one most learners get wrong.
LOW_FACILITY = 30.0
#: Below this discrimination index a question is flagged: it may not test what it should.
LOW_DISCRIMINATION = 0.0


@dataclass(frozen=True)
class OptionCount:
    """How often one option (or item, or branching choice) was chosen."""

    id: str
    text: str
    count: int
    #: Share of the attempts asked the question (or reaching the step), in percent.
    percent: float
    is_correct: bool = False


@dataclass(frozen=True)
class StepCounts:
    """The choices made at one step of a branching scenario."""

    id: str
    prompt: str
    reached: int
    choices: tuple[OptionCount, ...]


@dataclass(frozen=True)
class QuestionStats:
    """The figures of one question."""

    question: Question
    attempts: int
    #: Percent; None with no attempts.
    facility: float | None
    #: Percent of attempts with full marks.
    full_marks: float | None
    #: Percent (−100..100); None when undefined.
    discrimination: float | None
    options: tuple[OptionCount, ...] = ()
    steps: tuple[StepCounts, ...] = ()
    outcomes: tuple[OptionCount, ...] = ()

    @property
    def is_hard(self) -> bool:
        return self.facility is not None and self.facility < LOW_FACILITY

    @property
    def is_poor_discriminator(self) -> bool:
        return self.discrimination is not None and self.discrimination <= LOW_DISCRIMINATION

    @property
    def misleading(self) -> tuple[OptionCount, ...]:
        """Return wrong options chosen more often than the least-chosen correct one."""
        correct = [o.count for o in self.options if o.is_correct]
        if not correct or self.question.type == "ordering":
            return ()
        floor = min(correct)
        return tuple(o for o in self.options if not o.is_correct and o.count > floor)


@dataclass(frozen=True)
class QuizAnalysis:
    """The figures of one quiz version."""

    version: QuizVersion
    attempts: int
    #: Mean attempt score in percent; None with no attempts.
    mean_score: float | None
    questions: tuple[QuestionStats, ...] = field(default_factory=tuple)


def mean(values: list[float]) -> float:
    """Return the arithmetic mean (values must not be empty)."""
    return sum(values) / len(values)


def correlation(xs: list[float], ys: list[float]) -> float | None:
    """Return Pearson's correlation coefficient, or None if a variable does not vary."""
    if len(xs) < 2:
        return None
    mx, my = mean(xs), mean(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return cov / math.sqrt(vx * vy)


def analyse(version: QuizVersion) -> QuizAnalysis:
    """Return the question analysis of a quiz version over its finished attempts."""
    quiz = core_quiz(version)
    rows = db.session.execute(
        select(
            QuizAttempt.id,
            QuizAttempt.score,
            AttemptAnswer.question_id,
            AttemptAnswer.step,
            AttemptAnswer.answer,
            AttemptAnswer.points,
            AttemptAnswer.max_points,
        )
        .join(AttemptAnswer, AttemptAnswer.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.quiz_version_id == version.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.id, AttemptAnswer.question_id, AttemptAnswer.step)
    ).all()
    scores: dict[int, float] = {}
    # attempt -> question -> (points, max points); and the ids chosen
    marks: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
    answers: dict[str, list[list[str]]] = defaultdict(list)
    paths: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for attempt_id, score, question_id, _step, answer, points, max_points in rows:
        scores[attempt_id] = score if score is not None else 0.0
        question = quiz.question(question_id)
        if question is None:
            continue
        if question.type == "branching":
            paths[question_id][attempt_id].append(answer[0] if answer else "")
        if points is not None:
            marks[attempt_id][question_id] = (points, max_points or float(question.points))
            if question.type != "branching":
                answers[question_id].append(list(answer))
    totals = {a: sum(p for p, _ in qs.values()) for a, qs in marks.items()}
    stats = []
    for question in quiz.questions:
        xs, rests, fractions = [], [], []
        for attempt_id, qs in marks.items():
            if question.id not in qs:
                continue
            points, max_points = qs[question.id]
            xs.append(points)
            rests.append(totals[attempt_id] - points)
            fractions.append(points / max_points if max_points else 0.0)
        n = len(xs)
        r = correlation(xs, rests)
        stats.append(
            QuestionStats(
                question=question,
                attempts=n,
                facility=100 * mean(fractions) if n else None,
                full_marks=100 * sum(1 for f in fractions if f >= 1 - 1e-9) / n if n else None,
                discrimination=100 * r if r is not None else None,
                options=_option_counts(question, answers.get(question.id, []), n),
                **_branch_counts(question, paths.get(question.id, {}), marks),
            )
        )
    finished = list(scores.values())
    return QuizAnalysis(
        version=version,
        attempts=len(finished),
        mean_score=mean(finished) if finished else None,
        questions=tuple(stats),
    )


def _percent(count: int, total: int) -> float:
    return 100 * count / total if total else 0.0


def _option_counts(question: Question, answers: list[list[str]], n: int) -> tuple:
    if question.type == "branching":
        return ()
    counts: dict[str, int] = defaultdict(int)
    if question.type == "ordering":
        order = question.correct_order
        for answer in answers:
            for position, option_id in enumerate(answer):
                if position < len(order) and order[position] == option_id:
                    counts[option_id] += 1
    else:
        for answer in answers:
            for option_id in set(answer):
                counts[option_id] += 1
    return tuple(
        OptionCount(o.id, o.text, counts[o.id], _percent(counts[o.id], n), o.correct)
        for o in question.options
    )


def _branch_counts(
    question: Question,
    paths: dict[int, list[str]],
    marks: dict[int, dict[str, tuple[float, float]]],
) -> dict:
    if question.type != "branching":
        return {}
    reached: dict[str, int] = defaultdict(int)
    chosen: dict[tuple[str, str], int] = defaultdict(int)
    ended: dict[str, int] = defaultdict(int)
    finished = 0
    for attempt_id, choices in paths.items():
        if question.id not in marks.get(attempt_id, {}):
            continue  # the scenario was not finished in this attempt
        try:
            path, node = walk_branch(question, choices)
        except QuizError:
            continue  # answers recorded against a scenario that no longer fits
        finished += 1
        for step, choice in path:
            reached[step.id] += 1
            chosen[(step.id, choice.id)] += 1
        if isinstance(node, Outcome):
            ended[node.id] += 1
    steps = tuple(
        StepCounts(
            step.id,
            step.prompt,
            reached[step.id],
            tuple(
                OptionCount(
                    c.id,
                    c.text,
                    chosen[(step.id, c.id)],
                    _percent(chosen[(step.id, c.id)], reached[step.id]),
                )
                for c in step.choices
            ),
        )
        for step in question.steps
    )
    outcomes = tuple(
        OptionCount(o.id, o.text, ended[o.id], _percent(ended[o.id], finished), o.score >= 1)
        for o in question.outcomes
    )
    return {"steps": steps, "outcomes": outcomes}


def attempt_counts(versions: list[QuizVersion]) -> dict[int, int]:
    """Return the number of finished attempts on each quiz version, by version id."""
    if not versions:
        return {}
    rows = db.session.execute(
        select(QuizAttempt.quiz_version_id, func.count(QuizAttempt.id))
        .where(
            QuizAttempt.quiz_version_id.in_([v.id for v in versions]),
            QuizAttempt.submitted_at.is_not(None),
        )
        .group_by(QuizAttempt.quiz_version_id)
    ).all()
    return {version_id: count for version_id, count in rows}
