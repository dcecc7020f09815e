"""Grading, drawing and branching rules of learn.core.quiz (no app, no files)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learn.core.errors import QuizError
from learn.core.quiz import (
    Choice,
    Option,
    Outcome,
    Question,
    Quiz,
    Score,
    Step,
    branch_path,
    draw_questions,
    eligible_questions,
    feedback_for,
    grade,
    has_attempts_left,
    is_pass,
    next_step,
    percentage,
    shuffled_options,
)


def make_question(type_: str, correct: str = "", ids: str = "abcd", **kwargs: object) -> Question:
    """Return a question with one option per letter of ``ids``; letters in ``correct`` are right."""
    options = tuple(Option(i, f"text {i}", f"feedback {i}", i in correct) for i in ids)
    return Question(
        id=kwargs.pop("id", "q"),  # type: ignore[arg-type]
        type=type_,
        stem="Stem",
        options=options,
        explanation="Because.",
        sources=("src",),
        **kwargs,  # type: ignore[arg-type]
    )


def true_false(answer: str = "true") -> Question:
    options = (
        Option("false", "False", "fb false", answer == "false"),
        Option("true", "True", "fb true", answer == "true"),
    )
    return Question("tf", "true_false", "Stem", options, "Because.", ("src",))


def scenario(points: int = 1) -> Question:
    """Return a branching question: arrive -a-> talk -b-> good (1), other paths score less."""
    return Question(
        id="visit",
        type="branching",
        stem="You visit a factory.",
        options=(),
        explanation="Safety first.",
        sources=("src",),
        points=points,
        start="arrive",
        steps=(
            Step(
                "arrive",
                "What first?",
                (
                    Choice("a", "Talk to workers", "fb arrive a", "talk"),
                    Choice("b", "Take the tour", "fb arrive b", "tour"),
                ),
            ),
            Step(
                "talk",
                "A worker's passport was taken.",
                (
                    Choice("a", "Confront the manager", "fb talk a", "confront"),
                    Choice("b", "Report safely", "fb talk b", "good"),
                ),
            ),
        ),
        outcomes=(
            Outcome("tour", "You saw nothing.", 0.25),
            Outcome("confront", "The worker was punished.", 0.5),
            Outcome("good", "Referred safely.", 1.0),
        ),
    )


def make_quiz(*questions: Question, draw: int | None = None, pass_mark: int = 70) -> Quiz:
    return Quiz("module", pass_mark, questions, draw, None, "text", "quizzes/c/module.yml")


# --- single and true_false ---------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "points"), [(("b",), 1.0), (("a",), 0.0), (("d",), 0.0)])
def test_single_scores_one_only_for_the_correct_option(answer: tuple[str, ...], points: float):
    assert grade(make_question("single", "b"), answer) == Score(points, 1.0)


def test_points_weight_the_score():
    question = make_question("single", "b", points=3)
    assert grade(question, ("b",)) == Score(3.0, 3.0)
    assert grade(question, ("a",)) == Score(0.0, 3.0)


@pytest.mark.parametrize("answer", [(), ("a", "b"), ("z",), ("a", "a"), ("A",)])
def test_single_rejects_answers_that_are_not_one_known_option(answer: tuple[str, ...]):
    with pytest.raises(QuizError):
        grade(make_question("single", "b"), answer)


def test_answer_must_be_a_sequence_of_ids_not_a_string():
    with pytest.raises(QuizError, match="sequence"):
        grade(make_question("single", "b"), "b")  # type: ignore[arg-type]


@pytest.mark.parametrize(("answer", "points"), [("true", 1.0), ("false", 0.0)])
def test_true_false_scores_the_correct_value(answer: str, points: float):
    assert grade(true_false("true"), (answer,)).points == points


def test_true_false_rejects_both_values():
    with pytest.raises(QuizError, match="exactly one"):
        grade(true_false(), ("true", "false"))


# --- multiple ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (("a", "b"), 1.0),
        (("b", "a"), 1.0),
        (("a",), 0.5),
        (("a", "c"), 0.0),  # 1/2 - 1/2
        (("a", "b", "c"), 0.5),  # 1 - 1/2
        (("a", "b", "c", "d"), 0.0),
        (("c", "d"), 0.0),  # never below zero
        ((), 0.0),
    ],
)
def test_multiple_scores_correct_share_minus_wrong_share(answer: tuple[str, ...], expected: float):
    assert grade(make_question("multiple", "ab"), answer).points == pytest.approx(expected)


def test_multiple_with_no_wrong_options_has_no_penalty_term():
    question = make_question("multiple", "abc", ids="abc")
    assert grade(question, ("a",)).points == pytest.approx(1 / 3)
    assert grade(question, ("a", "b", "c")).is_full


@pytest.mark.parametrize("answer", [("a", "a"), ("a", "x")])
def test_multiple_rejects_duplicate_or_unknown_ids(answer: tuple[str, ...]):
    with pytest.raises(QuizError):
        grade(make_question("multiple", "ab"), answer)


# --- ordering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (("a", "b", "c", "d"), 1.0),
        (("a", "b", "d", "c"), 0.5),
        (("b", "a", "c", "d"), 0.5),
        (("d", "c", "b", "a"), 0.0),
        (("b", "c", "d", "a"), 0.0),
    ],
)
def test_ordering_scores_the_share_of_items_in_place(answer: tuple[str, ...], expected: float):
    assert grade(make_question("ordering"), answer).points == pytest.approx(expected)


@pytest.mark.parametrize("answer", [("a", "b", "c"), ("a", "b", "c", "c"), ("a", "b", "c", "x")])
def test_ordering_requires_a_permutation_of_every_item(answer: tuple[str, ...]):
    with pytest.raises(QuizError):
        grade(make_question("ordering"), answer)


# --- branching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "outcome", "points"),
    [(("a", "b"), "good", 2.0), (("a", "a"), "confront", 1.0), (("b",), "tour", 0.5)],
)
def test_branching_scores_the_outcome_reached(answer: tuple[str, ...], outcome: str, points: float):
    question = scenario(points=2)
    path, reached = branch_path(question, answer)
    assert reached.id == outcome
    assert [(step.id, choice.id) for step, choice in path] == list(
        zip(["arrive", "talk"], answer, strict=False)
    )
    assert grade(question, answer) == Score(points, 2.0)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((), "stops at step 'arrive'"),
        (("a",), "stops at step 'talk'"),
        (("c",), "has no choice 'c'"),
        (("b", "a"), "ended at 'tour'"),
        (("a", "b", "a"), "ended at 'good'"),
    ],
)
def test_branching_rejects_paths_that_do_not_end_at_an_outcome(
    answer: tuple[str, ...], message: str
):
    with pytest.raises(QuizError, match=message):
        grade(scenario(), answer)


def test_next_step_walks_the_scenario_one_choice_at_a_time():
    question = scenario()
    assert next_step(question, ()).id == "arrive"
    assert next_step(question, ("a",)).id == "talk"
    end = next_step(question, ("a", "b"))
    assert isinstance(end, Outcome)
    assert end.score == 1.0
    assert isinstance(next_step(question, ("b",)), Outcome)


def test_next_step_rejects_a_choice_the_step_does_not_offer():
    with pytest.raises(QuizError, match="step 'talk' has no choice 'z'"):
        next_step(scenario(), ("a", "z"))


def test_branch_helpers_refuse_other_question_types():
    with pytest.raises(QuizError, match="not a branching"):
        next_step(make_question("single", "a"), ())


# --- feedback ----------------------------------------------------------------------------------


def test_feedback_for_single_is_the_chosen_option():
    assert feedback_for(make_question("single", "b"), ("c",)) == [("c", "feedback c")]


def test_feedback_for_multiple_includes_the_correct_options_missed():
    question = make_question("multiple", "ab")
    assert feedback_for(question, ("c", "a")) == [
        ("a", "feedback a"),
        ("c", "feedback c"),
        ("b", "feedback b"),
    ]


def test_feedback_for_ordering_is_every_item_in_the_correct_order():
    assert [i for i, _ in feedback_for(make_question("ordering"), ("d", "c", "b", "a"))] == list(
        "abcd"
    )


def test_feedback_for_branching_is_each_choice_then_the_outcome():
    assert feedback_for(scenario(), ("a", "a")) == [
        ("arrive", "fb arrive a"),
        ("talk", "fb talk a"),
        ("confront", "The worker was punished."),
    ]


def test_feedback_for_checks_the_answer():
    with pytest.raises(QuizError):
        feedback_for(make_question("single", "a"), ("x",))


# --- eligibility and drawing -------------------------------------------------------------------


def eligibility_quiz(draw: int | None = None) -> Quiz:
    return make_quiz(
        make_question("single", "a", id="plain"),
        make_question("single", "a", id="gender", lenses=frozenset({"gender"})),
        make_question("single", "a", id="both", lenses=frozenset({"gender", "age"})),
        make_question("single", "a", id="buyers", tracks=frozenset({"buyers"})),
        make_question(
            "single", "a", id="buyers-age", tracks=frozenset({"buyers"}), lenses=frozenset({"age"})
        ),
        draw=draw,
    )


@pytest.mark.parametrize(
    ("lenses", "track", "expected"),
    [
        (set(), None, ["plain"]),
        ({"gender"}, None, ["plain", "gender", "both"]),
        ({"age"}, None, ["plain", "both"]),
        ({"age"}, "buyers", ["plain", "both", "buyers", "buyers-age"]),
        (set(), "managers", ["plain"]),
        ({"gender", "age"}, "buyers", ["plain", "gender", "both", "buyers", "buyers-age"]),
    ],
)
def test_eligible_questions_follow_lenses_and_tracks(
    lenses: set[str], track: str | None, expected: list[str]
):
    got = eligible_questions(eligibility_quiz(), frozenset(lenses), track)
    assert [q.id for q in got] == expected


def test_draw_takes_a_sample_of_eligible_questions_in_quiz_order():
    quiz = eligibility_quiz(draw=3)
    everything = frozenset({"gender", "age"})
    seen = set()
    for seed in range(40):
        drawn = draw_questions(quiz, everything, "buyers", random.Random(seed))
        ids = [q.id for q in drawn]
        order = [q.id for q in quiz.questions]
        assert len(ids) == 3
        assert ids == sorted(ids, key=order.index)
        seen.add(tuple(ids))
    assert len(seen) > 3  # a fresh sample each time, not the same three


@pytest.mark.parametrize("draw", [None, 5, 50])
def test_draw_returns_every_eligible_question_when_draw_is_none_or_large(draw: int | None):
    quiz = eligibility_quiz(draw=draw)
    drawn = draw_questions(quiz, frozenset({"gender"}), None, random.Random(1))
    assert [q.id for q in drawn] == ["plain", "gender", "both"]


def test_shuffled_options_keep_true_before_false():
    assert [o.id for o in shuffled_options(true_false(), random.Random(3))] == ["true", "false"]


def test_shuffled_ordering_items_never_start_in_the_right_order():
    question = make_question("ordering", ids="abc")
    for seed in range(50):
        shown = tuple(o.id for o in shuffled_options(question, random.Random(seed)))
        assert shown != ("a", "b", "c")
        assert sorted(shown) == ["a", "b", "c"]


def test_shuffled_options_are_a_permutation_and_vary():
    question = make_question("single", "a", ids="abcdef")
    orders = {tuple(o.id for o in shuffled_options(question, random.Random(s))) for s in range(20)}
    assert all(sorted(order) == list("abcdef") for order in orders)
    assert len(orders) > 1
    assert shuffled_options(scenario(), random.Random(0)) == ()


# --- totals ------------------------------------------------------------------------------------


def test_percentage_weights_by_points():
    scores = [Score(1.0, 1.0), Score(0.0, 1.0), Score(1.5, 2.0)]
    assert percentage(scores) == pytest.approx(62.5)
    assert percentage([]) == 0.0


@pytest.mark.parametrize(("percent", "expected"), [(70.0, True), (69.99, False), (100.0, True)])
def test_is_pass_at_the_pass_mark_or_above(percent: float, expected: bool):
    assert is_pass(make_quiz(pass_mark=70), percent) is expected


def test_is_pass_tolerates_float_sums():
    scores = [Score(0.1, 1.0)] * 7 + [Score(0.0, 1.0)] * 3  # 7 tenths of 10 questions ≈ 7 %
    assert is_pass(make_quiz(pass_mark=7), percentage(scores))


def test_score_fraction_and_full():
    assert Score(1.5, 2.0).fraction == 0.75
    assert not Score(1.5, 2.0).is_full
    assert Score(2.0, 2.0).is_full
    assert Score(0.0, 0.0).fraction == 0.0


def test_max_attempts_none_is_unlimited():
    quiz = make_quiz()
    assert has_attempts_left(quiz, 10_000)
    limited = Quiz("m", 70, (), None, 2, "", "")
    assert has_attempts_left(limited, 1)
    assert not has_attempts_left(limited, 2)


# --- properties --------------------------------------------------------------------------------

LETTERS = "abcdefghij"


@st.composite
def multiple_cases(draw: st.DrawFn) -> tuple[Question, tuple[str, ...], list[int]]:
    """Return a multiple question, an answer, and a permutation of its options."""
    count = draw(st.integers(2, 10))
    ids = LETTERS[:count]
    correct = draw(st.sets(st.sampled_from(ids), min_size=1))
    question = make_question("multiple", "".join(sorted(correct)), ids=ids)
    answer = tuple(draw(st.permutations(sorted(draw(st.sets(st.sampled_from(ids)))))))
    permutation = draw(st.permutations(range(count)))
    return question, answer, permutation


def permuted(question: Question, permutation: list[int]) -> Question:
    return Question(
        question.id,
        question.type,
        question.stem,
        tuple(question.options[i] for i in permutation),
        question.explanation,
        question.sources,
    )


@given(multiple_cases())
def test_multiple_score_is_bounded_and_full_only_for_the_correct_set(case):
    question, answer, permutation = case
    score = grade(question, answer)
    assert 0.0 <= score.points <= score.max_points
    assert score.is_full == (set(answer) == question.correct_ids)
    assert grade(permuted(question, permutation), answer) == score
    assert grade(question, tuple(reversed(answer))) == score


@given(st.integers(2, 8), st.data())
def test_single_score_is_full_only_for_the_correct_option_in_any_option_order(count, data):
    ids = LETTERS[:count]
    right = data.draw(st.sampled_from(ids))
    question = make_question("single", right, ids=ids)
    choice = data.draw(st.sampled_from(ids))
    permutation = data.draw(st.permutations(range(count)))
    score = grade(question, (choice,))
    assert score.is_full == (choice == right)
    assert score.points in (0.0, 1.0)
    assert grade(permuted(question, permutation), (choice,)) == score


@given(st.integers(3, 8), st.data())
def test_ordering_score_is_bounded_and_full_only_for_the_exact_order(count, data):
    ids = LETTERS[:count]
    question = make_question("ordering", ids=ids)
    answer = tuple(data.draw(st.permutations(ids)))
    score = grade(question, answer)
    assert 0.0 <= score.points <= score.max_points
    assert score.is_full == (answer == tuple(ids))


@st.composite
def branching_cases(draw: st.DrawFn) -> Question:
    """Return a random acyclic branching question: step i only leads to later steps."""
    count = draw(st.integers(1, 5))
    outcomes = tuple(
        Outcome(f"end{i}", "text", draw(st.sampled_from([0.0, 0.25, 0.5, 1.0])))
        for i in range(draw(st.integers(1, 3)))
    )
    steps = []
    for i in range(count):
        targets = [f"s{j}" for j in range(i + 1, count)] + [o.id for o in outcomes]
        choices = tuple(
            Choice(c, "text", "fb", draw(st.sampled_from(targets)))
            for c in LETTERS[: draw(st.integers(2, 4))]
        )
        steps.append(Step(f"s{i}", "prompt", choices))
    return Question(
        "b", "branching", "stem", (), "why", ("src",), start="s0", steps=tuple(steps),
        outcomes=outcomes,
    )  # fmt: skip


@given(branching_cases(), st.randoms(use_true_random=False))
def test_every_walk_of_a_branching_question_ends_at_an_outcome_with_a_bounded_score(question, rng):
    taken: tuple[str, ...] = ()
    node = next_step(question, taken)
    while isinstance(node, Step):
        taken += (rng.choice(node.choices).id,)
        node = next_step(question, taken)
    score = grade(question, taken)
    assert score.points == node.score
    assert 0.0 <= score.points <= score.max_points
    assert [c.id for _, c in branch_path(question, taken)[0]] == list(taken)


def test_all_orderings_of_four_items_score_in_quarters():
    question = make_question("ordering")
    scores = {grade(question, p).points for p in itertools.permutations("abcd")}
    assert scores == {0.0, 0.25, 0.5, 1.0}  # three in place is impossible
