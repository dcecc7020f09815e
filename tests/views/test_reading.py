"""Reading modules: lenses, resume, versions, and what never reaches the browser early."""

from __future__ import annotations

import random

from sqlalchemy import select

from learn.extensions import db
from learn.models import ModuleProgress, QuizAttempt
from learn.services import learning, tracks
from learn.services.catalogue import find_course, find_module, import_path
from tests.conftest import DATA
from tests.helpers import pass_module


def module_html(client, slug="intro"):
    return client.get(f"/courses/demo/modules/{slug}").get_data(as_text=True)


def test_track_lenses_are_on_by_default_and_off_lenses_are_not_sent(
    client, auth, make_user, demo_course
):
    user = make_user()
    auth.login(user)
    client.post("/learning/track", data={"track": "demo/managers"})  # gender lens only
    html = module_html(client)
    assert 'class="lens lens-gender"' in html
    assert "lens-age" not in html
    # Nothing of the age block's text is sent either.
    body = find_module(find_course("demo"), "intro").live_version.source_text
    age_text = body.split("::: lens age", 1)[1].split(":::", 1)[0].strip().split("\n")[0][:40]
    assert age_text and age_text not in html


def test_learner_turns_lenses_on_and_off(client, auth, make_user, demo_course):
    auth.login(make_user())
    client.post("/learning/track", data={"track": "demo/managers"})
    client.post(
        "/learning/settings",
        data={"track": "demo/managers", "gender": "off", "age": "on"},
    )
    html = module_html(client)
    assert "lens-gender" not in html and 'class="lens lens-age"' in html
    client.post(
        "/learning/settings", data={"track": "demo/managers", "gender": "track", "age": "track"}
    )
    html = module_html(client)
    assert 'class="lens lens-gender"' in html and "lens-age" not in html


def test_lens_tagged_questions_are_drawn_only_with_the_lens(app, make_user, demo_course):
    user = make_user()
    tracks.choose_track(user, "demo/buyers")
    course = find_course("demo")
    module = find_module(course, "red-flags")
    from learn.services.catalogue import core_quiz

    quiz = core_quiz(module.live_quiz_version)
    tagged = {q.id for q in quiz.questions if q.lenses}
    assert tagged, "the demo quiz should have a lens-tagged question"
    tracks.set_lenses(user, gender=False, age=False)
    attempt = learning.start_attempt(user, module, tracks.current_enrolment(user))
    assert not tagged & set(attempt.question_ids)
    assert attempt.lenses == []


def test_options_are_shuffled_per_attempt(app, make_user, demo_course):
    from tests.helpers import answer_attempt

    user = make_user()
    tracks.choose_track(user, "demo/buyers")
    module = find_module(find_course("demo"), "intro")
    orders = []
    for seed in range(6):
        attempt = learning.start_attempt(
            user, module, tracks.current_enrolment(user), rng=random.Random(seed)
        )
        orders.append(tuple(tuple(v) for v in attempt.option_orders.values()))
        answer_attempt(user, attempt, right=False)
    assert len(set(orders)) > 1


def test_question_page_sends_no_answers_or_feedback(client, auth, make_user, demo_course):
    user = make_user()
    auth.login(user)
    client.post("/learning/track", data={"track": "demo/buyers"})
    client.post("/courses/demo/modules/intro/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt))
    quiz = learning.attempt_quiz(attempt)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    secrets_ = [o.feedback for q in quiz.questions for o in q.options]
    secrets_ += [q.explanation for q in quiz.questions]
    for text in secrets_:
        assert text[:30] not in html
    assert "correct" not in html.lower()
    # Feedback for a question not yet answered is not served either.
    assert (
        client.get(f"/attempts/{attempt.id}/feedback/{attempt.question_ids[0]}").status_code == 404
    )


def test_position_is_saved_and_offered_on_return(client, auth, make_user, demo_course):
    auth.login(make_user())
    client.post("/learning/track", data={"track": "demo/buyers"})
    module_html(client)
    assert (
        client.post(
            "/courses/demo/modules/intro/position", data={"section": "red-flags"}
        ).status_code
        == 204
    )
    html = module_html(client)
    assert 'href="#red-flags"' in html and "Continue where you left off" in html
    assert (
        client.post("/courses/demo/modules/intro/position", data={"section": ""}).status_code == 400
    )


def _publish_new_intro(tmp_path):
    """Import a changed intro module (a new version) from a copy of the demo content."""
    import shutil

    root = tmp_path / "content"
    shutil.copytree(DATA / "content", root)
    path = next((root / "courses" / "demo").glob("01-*.md"))
    path.write_text(path.read_text().replace("\n## ", "\nAn added sentence.\n\n## ", 1))
    import_path(root)


def test_updated_module_keeps_a_learner_part_way_on_their_version(
    app, make_user, demo_course, tmp_path
):
    user = make_user()
    tracks.choose_track(user, "demo/buyers")
    module = find_module(find_course("demo"), "intro")
    progress = learning.open_module(user, module)
    first = progress.module_version_id
    _publish_new_intro(tmp_path)
    db.session.refresh(module)
    assert module.live_version_id != first
    assert learning.open_module(user, module).module_version_id == first
    learning.move_to_latest(user, module)
    assert learning.open_module(user, module).module_version_id == module.live_version_id


def test_updated_module_does_not_undo_completion(app, make_user, demo_course, tmp_path):
    user = make_user()
    tracks.choose_track(user, "demo/buyers")
    module = find_module(find_course("demo"), "intro")
    pass_module(user, module)
    completed = db.session.scalar(select(ModuleProgress)).completed_at
    assert completed is not None
    _publish_new_intro(tmp_path)
    progress = learning.track_progress(user, tracks.current_enrolment(user))
    assert progress.done == 1
    assert db.session.scalar(select(ModuleProgress)).completed_at == completed


def test_module_complete_needs_both_read_and_passed(app, make_user, demo_course):
    user = make_user()
    tracks.choose_track(user, "demo/buyers")
    module = find_module(find_course("demo"), "intro")
    pass_module(user, module, read=False)
    progress = learning.module_progress(user, module)
    assert progress.passed_at is not None and progress.completed_at is None
    learning.mark_read(user, module)
    assert learning.module_progress(user, module).completed_at is not None


def test_move_to_latest_through_the_page(client, auth, make_user, demo_course, tmp_path):
    auth.login(make_user())
    client.post("/learning/track", data={"track": "demo/buyers"})
    module_html(client)
    _publish_new_intro(tmp_path)
    assert "has been updated since you started it" in module_html(client)
    response = client.post("/courses/demo/modules/intro/update")
    assert response.status_code == 302
    html = module_html(client)
    assert "An added sentence." in html and "has been updated" not in html


def test_the_module_page_follows_the_learners_current_track(client, auth, make_user, demo_course):
    auth.login(make_user())
    # Not on a track of the course: no track in the breadcrumb, the course's own order.
    html = module_html(client)
    assert "› " not in html and 'href="/courses/demo/modules/red-flags">Next:' in html
    client.post("/learning/track", data={"track": "demo/buyers"})
    html = module_html(client)
    assert "› Buyers" in html and 'href="/courses/demo/modules/red-flags">Next:' in html
    # The latest chosen track is the current one: intro's next module is another.
    client.post("/learning/track", data={"track": "demo/managers"})
    html = module_html(client)
    assert "› Contract managers" in html
    assert 'href="/courses/demo/modules/responding">Next:' in html
