"""Helpers for tests: right answers, and passing modules through the real services."""

from __future__ import annotations

from learn.core.quiz import Outcome, Question, next_step
from learn.extensions import db
from learn.models import Course, Module, User
from learn.services import learning, tracks


def right_answer(question: Question) -> tuple[str, ...]:
    """Return a full-marks answer (for branching: the path to the best outcome)."""
    if question.type == "ordering":
        return question.correct_order
    if question.type == "branching":
        return best_path(question)
    return tuple(o.id for o in question.options if o.correct)


def wrong_answer(question: Question) -> tuple[str, ...]:
    """Return a zero-or-low answer."""
    if question.type == "ordering":
        return tuple(reversed(question.correct_order))
    if question.type == "branching":
        return worst_path(question)
    wrong = [o.id for o in question.options if not o.correct]
    return (wrong[0],)


def _paths(question: Question, prefix: tuple[str, ...] = ()):
    node = next_step(question, prefix)
    if isinstance(node, Outcome):
        yield prefix, node.score
        return
    for choice in node.choices:
        yield from _paths(question, (*prefix, choice.id))


def best_path(question: Question) -> tuple[str, ...]:
    return max(_paths(question), key=lambda p: p[1])[0]


def worst_path(question: Question) -> tuple[str, ...]:
    return min(_paths(question), key=lambda p: p[1])[0]


def answer_attempt(user: User, attempt, *, right: bool = True) -> None:
    """Answer every question of an attempt through the service, right or wrong."""
    quiz = learning.attempt_quiz(attempt)
    for question_id in list(attempt.question_ids):
        question = quiz.question(question_id)
        answer = right_answer(question) if right else wrong_answer(question)
        if question.type == "branching":
            for choice in answer:
                learning.answer_question(user, attempt, question_id, (choice,))
        else:
            learning.answer_question(user, attempt, question_id, answer)


def pass_module(user: User, module: Module, *, read: bool = True) -> None:
    """Read a module and pass its quiz."""
    if read:
        learning.mark_read(user, module)
    enrolment = tracks.current_enrolment(user)
    attempt = learning.start_attempt(user, module, enrolment)
    answer_attempt(user, attempt, right=True)


def complete_track(user: User, course_slug: str, track_slug: str) -> None:
    """Enrol ``user`` on a track and complete every module of it."""
    course = db.session.scalar(db.select(Course).where(Course.slug == course_slug))
    tracks.enrol(user, course, track_slug)
    modules = {m.slug: m for m in course.modules}
    for slug in course.live_version.track(track_slug)["modules"]:
        pass_module(user, modules[slug])
