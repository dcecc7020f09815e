"""Quizzes as plain values, and the rules that draw, shuffle and grade them."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from learn.core.course import content_hash
from learn.core.errors import QuizError

#: Every question type, in the order the docs list them.
QUESTION_TYPES: tuple[str, ...] = ("single", "multiple", "true_false", "ordering", "branching")

#: A learner's answer: option ids (single, true_false: one; multiple: the selected ones;
#: ordering: all of them in the learner's order) or, for branching, the choice ids taken
#: from the start step.
Answer = tuple[str, ...]

# Floating-point sums of fractions may land a hair below a whole number.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Option:
    """An option of a single/multiple/true_false question, or an item of an ordering one."""

    id: str
    text: str
    feedback: str
    correct: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """A choice in a branching step, leading to another step or to an outcome."""

    id: str
    text: str
    feedback: str
    next: str


@dataclass(frozen=True, slots=True)
class Step:
    """A decision point of a branching scenario."""

    id: str
    prompt: str
    choices: tuple[Choice, ...]

    def choice(self, id: str) -> Choice | None:
        """Return the choice with this ``id``, or None."""
        return next((c for c in self.choices if c.id == id), None)


@dataclass(frozen=True, slots=True)
class Outcome:
    """Where a branching scenario ends, and the share of the question's points it earns."""

    id: str
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a quiz. Ordering questions list their options in the correct order."""

    id: str
    type: str
    stem: str
    options: tuple[Option, ...]
    explanation: str
    sources: tuple[str, ...]
    points: int = 1
    scenario: bool = False
    possible_victim: bool = False
    lenses: frozenset[str] = frozenset()
    tracks: frozenset[str] = frozenset()
    start: str | None = None
    steps: tuple[Step, ...] = ()
    outcomes: tuple[Outcome, ...] = ()

    @property
    def correct_ids(self) -> frozenset[str]:
        """Return the ids of the correct options (single, multiple, true_false)."""
        return frozenset(o.id for o in self.options if o.correct)

    @property
    def correct_order(self) -> Answer:
        """Return the option ids in the order they are listed (the right order for ordering)."""
        return tuple(o.id for o in self.options)

    def option(self, id: str) -> Option | None:
        """Return the option with this ``id``, or None."""
        return next((o for o in self.options if o.id == id), None)

    def step(self, id: str) -> Step | None:
        """Return the branching step with this ``id``, or None."""
        return next((s for s in self.steps if s.id == id), None)

    def outcome(self, id: str) -> Outcome | None:
        """Return the branching outcome with this ``id``, or None."""
        return next((o for o in self.outcomes if o.id == id), None)


@dataclass(frozen=True, slots=True)
class Quiz:
    """The quiz of one module."""

    module: str
    pass_mark: int
    questions: tuple[Question, ...]
    draw: int | None
    max_attempts: int | None
    source_text: str
    path: str

    @property
    def version(self) -> str:
        """Return the content hash of the quiz file."""
        return content_hash(self.source_text)

    def question(self, id: str) -> Question | None:
        """Return the question with this ``id``, or None."""
        return next((q for q in self.questions if q.id == id), None)


@dataclass(frozen=True, slots=True)
class Score:
    """Points earned on one question (or a sum of questions) out of the points available."""

    points: float
    max_points: float

    @property
    def fraction(self) -> float:
        """Return points / max_points, 0.0 when nothing was available."""
        return self.points / self.max_points if self.max_points else 0.0

    @property
    def is_full(self) -> bool:
        """Return whether every available point was earned."""
        return self.max_points > 0 and self.points >= self.max_points - _EPSILON


def _check_ids(question: Question, answer: Sequence[str]) -> Answer:
    """Return ``answer`` as a tuple after checking each id names one of the question's options."""
    if isinstance(answer, str) or not all(isinstance(a, str) for a in answer):
        raise QuizError(f"question {question.id!r}: an answer is a sequence of id strings")
    answer = tuple(answer)
    known = {o.id for o in question.options}
    for option_id in answer:
        if option_id not in known:
            raise QuizError(f"question {question.id!r} has no option {option_id!r}")
    if len(set(answer)) != len(answer):
        raise QuizError(f"question {question.id!r}: an option is given more than once")
    return answer


def _check_answer(question: Question, answer: Sequence[str]) -> Answer:
    """Return ``answer`` as a tuple after checking it fits the question's type."""
    if question.type == "branching":
        branch_path(question, answer)
        return tuple(answer)
    answer = _check_ids(question, answer)
    if question.type in ("single", "true_false") and len(answer) != 1:
        raise QuizError(f"question {question.id!r} takes exactly one option, got {len(answer)}")
    if question.type == "ordering" and len(answer) != len(question.options):
        raise QuizError(
            f"question {question.id!r} takes all {len(question.options)} items in an order, "
            f"got {len(answer)}"
        )
    if question.type not in QUESTION_TYPES:
        raise QuizError(f"question {question.id!r} has unknown type {question.type!r}")
    return answer


def _fraction(question: Question, answer: Answer) -> float:
    """Return the share of the question's points that ``answer`` (already checked) earns."""
    if question.type in ("single", "true_false"):
        return 1.0 if answer[0] in question.correct_ids else 0.0
    if question.type == "multiple":
        correct = question.correct_ids
        wrong_total = len(question.options) - len(correct)
        hits = sum(1 for a in answer if a in correct)
        misses = len(answer) - hits
        if hits == len(correct) and misses == 0:
            return 1.0
        penalty = misses / wrong_total if wrong_total else 0.0
        return max(0.0, hits / len(correct) - penalty) if correct else 0.0
    if question.type == "ordering":
        if answer == question.correct_order:
            return 1.0
        placed = sum(1 for a, b in zip(answer, question.correct_order, strict=True) if a == b)
        return placed / len(question.options)
    _, outcome = branch_path(question, answer)
    return outcome.score


def grade(question: Question, answer: Answer) -> Score:
    """Score ``answer`` to ``question`` by the rules of docs/content-format.md.

    :raises QuizError: the answer does not fit the question.
    """
    checked = _check_answer(question, answer)
    fraction = min(1.0, max(0.0, _fraction(question, checked)))
    return Score(points=fraction * question.points, max_points=float(question.points))


def walk(
    question: Question, choices: Sequence[str]
) -> tuple[list[tuple[Step, Choice]], Step | Outcome]:
    """Follow ``choices`` from the start step; return the path and where it stands."""
    if question.type != "branching":
        raise QuizError(f"question {question.id!r} is not a branching scenario")
    if isinstance(choices, str) or not all(isinstance(c, str) for c in choices):
        raise QuizError(f"question {question.id!r}: an answer is a sequence of id strings")
    node: Step | Outcome | None = question.step(question.start or "")
    if node is None:
        raise QuizError(f"question {question.id!r} has no start step")
    path: list[tuple[Step, Choice]] = []
    for choice_id in choices:
        if isinstance(node, Outcome):
            raise QuizError(
                f"question {question.id!r}: the scenario ended at {node.id!r} before "
                f"choice {choice_id!r}"
            )
        choice = node.choice(choice_id)
        if choice is None:
            raise QuizError(
                f"question {question.id!r}: step {node.id!r} has no choice {choice_id!r}"
            )
        path.append((node, choice))
        node = question.step(choice.next) or question.outcome(choice.next)
        if node is None:
            raise QuizError(f"question {question.id!r}: choice leads to unknown {choice.next!r}")
    return path, node


def next_step(question: Question, choices_so_far: Sequence[str]) -> Step | Outcome:
    """Return the step to show after ``choices_so_far``, or the outcome the scenario ended at.

    :raises QuizError: a choice is not offered by the step it was made at.
    """
    _, node = walk(question, choices_so_far)
    return node


def branch_path(
    question: Question, answer: Sequence[str]
) -> tuple[list[tuple[Step, Choice]], Outcome]:
    """Return each (step, choice) taken and the outcome reached by a complete branching answer.

    :raises QuizError: the path does not follow the steps from the start or ends at no outcome.
    """
    path, node = walk(question, answer)
    if not isinstance(node, Outcome):
        raise QuizError(f"question {question.id!r}: the scenario stops at step {node.id!r}")
    return path, node


def feedback_for(question: Question, answer: Answer) -> list[tuple[str, str]]:
    """Return the (id, feedback) pairs to show after ``answer``.

    single, true_false: the chosen option. multiple: each selected option, then each correct
    option missed, in the question's order. ordering: every item, in the correct order.
    branching: (step id, feedback of the choice taken there) for each step, then (outcome id,
    outcome text).

    :raises QuizError: the answer does not fit the question.
    """
    checked = _check_answer(question, answer)
    if question.type == "branching":
        path, outcome = branch_path(question, checked)
        return [(step.id, choice.feedback) for step, choice in path] + [(outcome.id, outcome.text)]
    if question.type == "ordering":
        return [(o.id, o.feedback) for o in question.options]
    selected = set(checked)
    shown = [o for o in question.options if o.id in selected]
    if question.type == "multiple":
        shown += [o for o in question.options if o.correct and o.id not in selected]
    return [(o.id, o.feedback) for o in shown]


def is_eligible(question: Question, lenses: frozenset[str], track: str | None) -> bool:
    """Return whether ``question`` may be drawn for a learner with these lenses and track."""
    if question.lenses and not question.lenses & lenses:
        return False
    return not question.tracks or track in question.tracks


def eligible_questions(
    quiz: Quiz, lenses: frozenset[str], track: str | None
) -> tuple[Question, ...]:
    """Return the questions of ``quiz`` that this learner may be asked, in quiz order."""
    return tuple(q for q in quiz.questions if is_eligible(q, lenses, track))


def draw_questions(
    quiz: Quiz, lenses: frozenset[str], track: str | None, rng: random.Random
) -> tuple[Question, ...]:
    """Return a fresh random sample of ``quiz.draw`` eligible questions, in quiz order."""
    pool = eligible_questions(quiz, lenses, track)
    if quiz.draw is None or quiz.draw >= len(pool):
        return pool
    picked = sorted(rng.sample(range(len(pool)), quiz.draw))
    return tuple(pool[i] for i in picked)


def shuffled_options(question: Question, rng: random.Random) -> tuple[Option, ...]:
    """Return the options in the order to show them.

    single, multiple: shuffled. ordering: shuffled, never already in the right order.
    true_false: True then False. branching: none.
    """
    if question.type == "true_false":
        return tuple(sorted(question.options, key=lambda o: o.id != "true"))
    if question.type == "branching":
        return ()
    options = list(question.options)
    rng.shuffle(options)
    if question.type == "ordering" and len(set(question.correct_order)) > 1:
        while tuple(o.id for o in options) == question.correct_order:
            rng.shuffle(options)
    return tuple(options)


def total(scores: Iterable[Score]) -> Score:
    """Return the sum of ``scores``."""
    points = max_points = 0.0
    for score in scores:
        points += score.points
        max_points += score.max_points
    return Score(points, max_points)


def percentage(scores: Iterable[Score]) -> float:
    """Return sum(points) / sum(max_points) as a percentage in 0..100 (0 for no scores)."""
    summed = total(scores)
    if not summed.max_points:
        return 0.0
    return min(100.0, max(0.0, 100.0 * summed.points / summed.max_points))


def is_pass(quiz: Quiz, percent: float) -> bool:
    """Return whether ``percent`` reaches the quiz's pass mark."""
    return percent + _EPSILON >= quiz.pass_mark


def has_attempts_left(quiz: Quiz, attempts_made: int) -> bool:
    """Return whether a learner who made ``attempts_made`` attempts may start another."""
    return quiz.max_attempts is None or attempts_made < quiz.max_attempts
