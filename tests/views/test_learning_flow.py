"""A learner's path through the web views: choose a track, read, answer, complete."""

from __future__ import annotations

from sqlalchemy import select

from learn.extensions import db
from learn.models import ModuleProgress, QuizAttempt
from learn.services import learning
from tests.helpers import right_answer, wrong_answer


def signed_in_learner(client, auth, make_user):
    user = make_user()
    auth.login(user)
    return user


def test_catalogue_lists_tracks_with_module_count_and_minutes(client, demo_course):
    html = client.get("/courses").get_data(as_text=True)
    assert "Demo course" in html and "Buyers" in html and "Contract managers" in html
    assert "3 modules" in html and "2 modules" in html


def test_choose_track_then_my_learning_shows_progress(client, auth, make_user, demo_course):
    signed_in_learner(client, auth, make_user)
    response = client.post("/learning/track", data={"track": "demo/buyers"})
    assert response.status_code == 302
    html = client.get("/learning").get_data(as_text=True)
    assert "Buyers" in html and "0 of 3 modules complete (0%)" in html


def test_unknown_track_is_refused(client, auth, make_user, demo_course):
    signed_in_learner(client, auth, make_user)
    assert client.post("/learning/track", data={"track": "demo/nope"}).status_code == 400


def _post_answer(client, attempt, question):
    answer = right_answer(question)
    if question.type == "branching":
        for choice in answer:
            client.post(
                f"/attempts/{attempt.id}/answer", data={"question": question.id, "choice": choice}
            )
        return
    if question.type == "ordering":
        data = {f"position_{oid}": str(i + 1) for i, oid in enumerate(answer)}
    else:
        data = {"option": list(answer)}
    data["question"] = question.id
    response = client.post(f"/attempts/{attempt.id}/answer", data=data)
    assert response.status_code == 302, response.data


def test_read_module_pass_quiz_completes_module(client, auth, make_user, demo_course):
    user = signed_in_learner(client, auth, make_user)
    client.post("/learning/track", data={"track": "demo/buyers"})
    page = client.get("/courses/demo/modules/intro")
    assert page.status_code == 200
    assert client.post("/courses/demo/modules/intro/read").status_code == 302
    response = client.post("/courses/demo/modules/intro/quiz/start")
    assert response.status_code == 302
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == user.id))
    quiz = learning.attempt_quiz(attempt)
    for question_id in attempt.question_ids:
        page = client.get(f"/attempts/{attempt.id}")
        assert page.status_code == 200
        _post_answer(client, attempt, quiz.question(question_id))
    db.session.refresh(attempt)
    assert attempt.submitted_at is not None and attempt.passed
    summary = client.get(f"/attempts/{attempt.id}/summary")
    assert summary.status_code == 200 and b"You passed" in summary.data
    progress = db.session.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user.id))
    assert progress.completed_at is not None
    home = client.get("/learning").data
    assert b"1 of 3 modules complete" in home
    # The recent attempts list links to this attempt's summary.
    assert f'href="/attempts/{attempt.id}/summary"'.encode() in home


def test_wrong_answers_fail_and_retry_draws_new_attempt(client, auth, make_user, demo_course):
    user = signed_in_learner(client, auth, make_user)
    client.post("/learning/track", data={"track": "demo/buyers"})
    client.post("/courses/demo/modules/intro/read")
    client.post("/courses/demo/modules/intro/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == user.id))
    quiz = learning.attempt_quiz(attempt)
    for question_id in attempt.question_ids:
        question = quiz.question(question_id)
        answer = wrong_answer(question)
        if question.type == "branching":
            for choice in answer:
                client.post(
                    f"/attempts/{attempt.id}/answer",
                    data={"question": question_id, "choice": choice},
                )
        elif question.type == "ordering":
            client.post(
                f"/attempts/{attempt.id}/answer",
                data={
                    "question": question_id,
                    **{f"position_{o}": str(i + 1) for i, o in enumerate(answer)},
                },
            )
        else:
            client.post(
                f"/attempts/{attempt.id}/answer",
                data={"question": question_id, "option": list(answer)},
            )
    db.session.refresh(attempt)
    assert attempt.passed is False
    assert b"Not passed this time" in client.get(f"/attempts/{attempt.id}/summary").data
    client.post("/courses/demo/modules/intro/quiz/start")
    attempts = db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
    assert sorted(a.number for a in attempts) == [1, 2]
