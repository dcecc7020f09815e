"""Question analysis on a small fixed data set, with every figure computed by hand.

The intro quiz has why-demand (single, 1 point, right: a), far-away (true_false, 1 point,
right: false) and buyer-actions (multiple, 2 points, right: ask + terms; wrong: ignore).

    attempt  why-demand  far-away   buyer-actions        total  score
    A        a   1       false 1    ask,terms    2       4      100
    B        a   1       true  0    ask          1       2       50
    C        b   0       false 1    ask,ignore   0       1       25
    D        b   0       true  0    ask,terms    2       2       50

why-demand: x = 1,1,0,0; rest of test = 3,1,1,2. Facility 50%. Sums of deviations:
Cov = 0.5, V(x) = 1, V(rest) = 2.75, so r = 0.5 / sqrt(2.75) = 0.30151 -> 30.15%.
far-away: x = 1,0,1,0; rest = 3,2,0,2. Cov = -0.5, V(x) = 1, V(rest) = 4.75,
r = -0.5 / sqrt(4.75) = -0.22942 -> -22.94%. Facility 50%.
buyer-actions: x = 2,1,0,2 of 2; facility = mean(1, .5, 0, 1) = 62.5%; full marks 50%;
rest = 2,1,1,0; Cov = 0 -> discrimination 0%. Options: ask 4 (100%), terms 2 (50%),
ignore 1 (25%).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learn.extensions import db
from learn.models import AttemptAnswer, Module, QuizAttempt
from learn.models.base import utcnow
from learn.services import analysis


def module(slug: str) -> Module:
    return db.session.scalar(select(Module).where(Module.slug == slug))


def attempt(user, mod: Module, number: int, answers: list, score: float | None, version=None):
    """Store an attempt: answers are (question, step, ids, points, max points)."""
    row = QuizAttempt(
        user_id=user.id,
        module_id=mod.id,
        quiz_version_id=(version or mod.live_quiz_version).id,
        number=number,
        question_ids=sorted({a[0] for a in answers}),
        option_orders={},
        lenses=[],
        submitted_at=utcnow() if score is not None else None,
        score=score,
        passed=bool(score and score >= 70),
    )
    db.session.add(row)
    db.session.flush()
    for question_id, step, ids, points, max_points in answers:
        db.session.add(
            AttemptAnswer(
                attempt_id=row.id,
                question_id=question_id,
                step=step,
                answer=ids,
                points=points,
                max_points=max_points,
            )
        )
    db.session.commit()
    return row


@pytest.fixture
def data_set(demo_course, make_user):
    intro = module("intro")
    people = [make_user() for _ in range(5)]
    rows = [
        (["a"], 1, ["false"], 1, ["ask", "terms"], 2, 100.0),
        (["a"], 1, ["true"], 0, ["ask"], 1, 50.0),
        (["b"], 0, ["false"], 1, ["ask", "ignore"], 0, 25.0),
        (["b"], 0, ["true"], 0, ["ask", "terms"], 2, 50.0),
    ]
    for user, (q1, p1, q2, p2, q3, p3, score) in zip(people, rows, strict=False):
        attempt(
            user,
            intro,
            1,
            [
                ("why-demand", 0, q1, p1, 1),
                ("far-away", 0, q2, p2, 1),
                ("buyer-actions", 0, q3, p3, 2),
            ],
            score,
        )
    # Unfinished: left out.
    attempt(people[4], intro, 1, [("why-demand", 0, ["b"], 0, 1)], None)
    return intro


def test_figures_match_the_hand_computation(data_set):
    result = analysis.analyse(data_set.live_quiz_version)
    assert result.attempts == 4 and result.mean_score == pytest.approx(56.25)
    by_id = {s.question.id: s for s in result.questions}

    q1 = by_id["why-demand"]
    assert q1.attempts == 4
    assert q1.facility == pytest.approx(50.0)
    assert q1.full_marks == pytest.approx(50.0)
    assert q1.discrimination == pytest.approx(30.151, abs=1e-3)
    assert [(o.id, o.count, o.percent, o.is_correct) for o in q1.options] == [
        ("a", 2, 50.0, True),
        ("b", 2, 50.0, False),
    ]
    assert q1.misleading == ()

    q2 = by_id["far-away"]
    assert q2.facility == pytest.approx(50.0)
    assert q2.discrimination == pytest.approx(-22.942, abs=1e-3)
    assert q2.is_poor_discriminator

    q3 = by_id["buyer-actions"]
    assert q3.facility == pytest.approx(62.5)
    assert q3.full_marks == pytest.approx(50.0)
    assert q3.discrimination == pytest.approx(0.0, abs=1e-9)
    assert [(o.id, o.count, o.percent) for o in q3.options] == [
        ("ask", 4, 100.0),
        ("terms", 2, 50.0),
        ("ignore", 1, 25.0),
    ]


def test_misleading_option_and_hard_question(demo_course, make_user):
    intro = module("intro")
    for n in range(4):
        picked, points = (["b"], 0) if n < 3 else (["a"], 1)
        attempt(make_user(), intro, 1, [("why-demand", 0, picked, points, 1)], 100.0 * points)
    stats = analysis.analyse(intro.live_quiz_version).questions[0]
    assert stats.facility == pytest.approx(25.0) and stats.is_hard
    assert [o.id for o in stats.misleading] == ["b"]
    # Only one question was asked, so the rest of the test never varies: undefined.
    assert stats.discrimination is None


def test_ordering_counts_items_in_their_right_place(demo_course, make_user):
    flags = module("red-flags")
    attempt(make_user(), flags, 1, [("steps-order", 0, ["map", "assess", "act"], 1, 1)], 100.0)
    attempt(make_user(), flags, 1, [("steps-order", 0, ["assess", "map", "act"], 1 / 3, 1)], 33.0)
    stats = next(
        s
        for s in analysis.analyse(flags.live_quiz_version).questions
        if s.question.id == "steps-order"
    )
    assert [(o.id, o.count) for o in stats.options] == [("map", 1), ("assess", 1), ("act", 2)]
    assert stats.facility == pytest.approx(100 * (1 + 1 / 3) / 2)


def test_branching_counts_choices_per_step_and_outcomes(demo_course, make_user):
    responding = module("responding")
    paths = [(["a", "b"], 1.0), (["a", "a"], 0.5), (["b"], 0.25)]
    for path, score in paths:
        answers = [
            (
                "the-visit",
                i,
                [choice],
                score if i == len(path) - 1 else None,
                1 if i == len(path) - 1 else None,
            )
            for i, choice in enumerate(path)
        ]
        attempt(make_user(), responding, 1, answers, 100 * score)
    stats = analysis.analyse(responding.live_quiz_version).questions[0]
    assert stats.question.id == "the-visit" and stats.attempts == 3
    assert stats.facility == pytest.approx(100 * (1 + 0.5 + 0.25) / 3)
    arrive, talk = stats.steps
    assert (arrive.id, arrive.reached) == ("arrive", 3)
    assert [(c.id, c.count) for c in arrive.choices] == [("a", 2), ("b", 1)]
    assert arrive.choices[0].percent == pytest.approx(200 / 3)
    assert (talk.id, talk.reached) == ("talk", 2)
    assert [(c.id, c.count) for c in talk.choices] == [("a", 1), ("b", 1)]
    assert [(o.id, o.count) for o in stats.outcomes] == [
        ("tour-outcome", 1),
        ("confront-outcome", 1),
        ("good-outcome", 1),
    ]
    # who-to-call (managers only) was asked of nobody.
    assert (
        stats.attempts == 3
        and analysis.analyse(responding.live_quiz_version).questions[1].facility is None
    )


def test_analysis_is_per_version(client, steps, trainer, reviewer, data_set):
    from tests.author.test_author_quiz import SINGLE, post_data

    steps.as_(trainer)
    client.post(
        "/author/courses/demo/modules/intro/quiz/questions/new?type=single", data=post_data(SINGLE)
    )
    steps.submit("courses/demo/modules/intro/quiz")
    steps.as_(reviewer)
    steps.approve("courses/demo/modules/intro/quiz")
    db.session.expire_all()
    intro = module("intro")
    assert intro.live_quiz_version.number == 2
    assert analysis.analyse(intro.live_quiz_version).attempts == 0
    html = client.get("/author/courses/demo/modules/intro/quiz/analysis").get_data(as_text=True)
    assert "No learner has finished this version" in html
    html = client.get("/author/courses/demo/modules/intro/quiz/analysis?version=1").get_data(
        as_text=True
    )
    assert "4 finished attempts" in html and "30.2%" in html and "-22.9%" in html
    assert "62.5%" in html


def test_analysis_page_flags(client, auth, trainer, demo_course, make_user):
    intro = module("intro")
    for n in range(4):
        picked, points = (["b"], 0) if n < 3 else (["a"], 1)
        attempt(make_user(), intro, 1, [("why-demand", 0, picked, points, 1)], 100.0 * points)
    auth.login(trainer)
    html = client.get("/author/courses/demo/modules/intro/quiz/analysis").get_data(as_text=True)
    assert "Most learners get this question wrong" in html
    assert "Option 'b' is wrong but chosen more often than a right answer" in html


def test_one_query_for_the_answers(data_set, app):
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    version = data_set.live_quiz_version
    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        analysis.analyse(version)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert sum("attempt_answers" in s for s in statements) == 1
