"""Forged submissions get a clear 4xx and record nothing; a double submission counts once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from learn.extensions import db
from learn.models import AttemptAnswer, QuizAttempt
from learn.services import learning, tracks
from tests.helpers import right_answer


@pytest.fixture
def learner(client, auth, make_user, demo_course):
    user = make_user()
    auth.login(user)
    client.post("/learning/track", data={"track": "demo/buyers"})
    return user


def start(client, user, module="intro"):
    client.post(f"/courses/demo/modules/{module}/quiz/start")
    return db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.submitted_at.is_(None))
        .order_by(QuizAttempt.id.desc())
    )


def answers_count() -> int:
    return db.session.scalar(select(func.count(AttemptAnswer.id)))


def single_question(attempt):
    quiz = learning.attempt_quiz(attempt)
    return next(quiz.question(q) for q in attempt.question_ids if quiz.question(q).type == "single")


def test_option_not_in_question_is_refused(client, learner):
    attempt = start(client, learner)
    question = single_question(attempt)
    response = client.post(
        f"/attempts/{attempt.id}/answer", data={"question": question.id, "option": "forged"}
    )
    assert response.status_code == 400
    assert answers_count() == 0


def test_question_outside_the_attempt_is_refused(client, learner):
    attempt = start(client, learner)
    response = client.post(
        f"/attempts/{attempt.id}/answer", data={"question": "not-drawn", "option": "a"}
    )
    assert response.status_code == 400
    assert answers_count() == 0


def test_someone_elses_attempt_is_not_found(app, client, learner, make_user, auth):
    attempt = start(client, learner)
    question = single_question(attempt)
    auth.logout()
    intruder = make_user()
    auth.login(intruder)
    response = client.post(
        f"/attempts/{attempt.id}/answer",
        data={"question": question.id, "option": right_answer(question)[0]},
    )
    assert response.status_code == 404
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/attempts/{attempt.id}/summary").status_code == 404
    assert answers_count() == 0


def test_closed_attempt_refuses_answers(client, learner):
    from tests.helpers import answer_attempt

    attempt = start(client, learner)
    answer_attempt(learner, attempt)
    db.session.refresh(attempt)
    assert attempt.submitted_at is not None
    before = answers_count()
    question = single_question(attempt)
    # Answering an already-answered question of a closed attempt is a 409, nothing recorded.
    response = client.post(
        f"/attempts/{attempt.id}/answer",
        data={"question": question.id, "option": right_answer(question)[0]},
    )
    assert response.status_code == 409
    assert answers_count() == before


def test_quiz_outside_any_live_course_is_not_found(client, learner):
    assert client.post("/courses/demo/modules/no-such-module/quiz/start").status_code == 404
    assert client.post("/courses/nope/modules/intro/quiz/start").status_code == 404


def test_double_click_counts_once(client, learner):
    attempt = start(client, learner)
    question = single_question(attempt)
    data = {"question": question.id, "option": right_answer(question)[0]}
    first = client.post(f"/attempts/{attempt.id}/answer", data=data)
    second = client.post(f"/attempts/{attempt.id}/answer", data=data)
    assert first.status_code == second.status_code == 302
    rows = db.session.scalars(
        select(AttemptAnswer).where(AttemptAnswer.question_id == question.id)
    ).all()
    assert len(rows) == 1


def test_unique_constraint_refuses_a_second_row(app, learner, client):
    from sqlalchemy.exc import IntegrityError

    attempt = start(client, learner)
    for _ in range(2):
        db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id="q", step=0, answer=["a"]))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.fixture
def threaded_app(make_app, tmp_path):
    """An app whose connections are real and separate (a file, on SQLite), for threads."""
    from learn.config import database_url_for_tests

    url = database_url_for_tests()
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'threads.db'}"
    return make_app(url=url)


def test_concurrent_submissions_count_once(threaded_app):
    """Eight threads submit the same answers and finish the same attempt at once."""
    from learn.models import Organisation
    from learn.services import accounts
    from learn.services.catalogue import find_course, find_module, import_path
    from tests.conftest import DATA, PASSWORD

    app = threaded_app
    import_path(DATA / "content")
    org = Organisation(name="Threads")
    db.session.add(org)
    db.session.commit()
    learner = accounts.create_user(
        accounts.NewAccount("T", "t@example.gov", PASSWORD, organisation_id=org.id)
    )
    tracks.choose_track(learner, "demo/buyers")
    module = find_module(find_course("demo"), "intro")
    learning.mark_read(learner, module)
    attempt = learning.start_attempt(learner, module, tracks.current_enrolment(learner))
    attempt_id, user_id = attempt.id, learner.id
    quiz = learning.attempt_quiz(attempt)
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def submit() -> None:
        try:
            with app.app_context():
                from learn.models import User

                user = db.session.get(User, user_id)
                mine = db.session.get(QuizAttempt, attempt_id)
                barrier.wait(timeout=10)
                for question_id in mine.question_ids:
                    question = quiz.question(question_id)
                    answer = right_answer(question)
                    try:
                        if question.type == "branching":
                            for choice in answer:
                                db.session.refresh(mine)
                                learning.answer_question(user, mine, question_id, (choice,))
                        else:
                            db.session.refresh(mine)
                            learning.answer_question(user, mine, question_id, answer)
                    except learning.LearningError as exc:
                        if exc.status != 409:
                            raise
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    finished = db.session.get(QuizAttempt, attempt_id)
    assert finished.submitted_at is not None and finished.passed
    per_question = db.session.execute(
        select(AttemptAnswer.question_id, AttemptAnswer.step, func.count())
        .where(AttemptAnswer.attempt_id == attempt_id)
        .group_by(AttemptAnswer.question_id, AttemptAnswer.step)
    ).all()
    assert per_question and all(count == 1 for *_, count in per_question)


def test_an_attempt_is_drawn_for_the_track_chosen_last(client, learner):
    client.post("/learning/track", data={"track": "demo/managers"})
    attempt = start(client, learner)
    assert attempt.track_slug == "managers"
    assert attempt.lenses == ["gender"]  # the managers track's lens, not the buyers' two
