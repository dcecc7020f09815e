"""The module editor: edit, preview, save, review, publish, and what learners see."""

from __future__ import annotations

from sqlalchemy import select

from learn.extensions import db
from learn.models import AuditEvent, CourseVersion, Module, ModuleVersion, VersionState
from learn.services import authoring

EDIT = "/author/courses/demo/modules/intro/edit"
LEARNER_PAGE = "/courses/demo/modules/intro"


def intro() -> Module:
    return db.session.scalar(select(Module).where(Module.slug == "intro"))


def test_editor_shows_front_matter_as_fields_and_body(client, auth, trainer, demo_course):
    auth.login(trainer)
    html = client.get(EDIT).get_data(as_text=True)
    assert 'name="title"' in html and "Why buying matters" in html
    assert 'name="minutes"' in html and 'value="10"' in html
    assert "Explain why the public buyer&#39;s demand matters." in html
    assert 'name="sources" type="checkbox" value="icat-2021"' in html.replace("checked ", "")
    assert "## Public money, private supply chains" in html
    assert 'data-insert-lens="gender"' in html
    assert html.count("<h1") == 1


def test_preview_button_renders_through_the_learner_path(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    data = steps.module_form("demo", "intro")
    data.update(body="## Hello\n\nSome **bold** text <script>alert(1)</script>\n", action="preview")
    response = client.post(EDIT, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<h2 id="hello">Hello</h2>' in html and "<strong>bold</strong>" in html
    assert "<script>alert(1)" not in html
    # Preview saves nothing.
    assert authoring.open_draft(authoring.Item("module", demo_course, intro())) is None


def test_preview_endpoint_for_the_script(client, auth, trainer, demo_course):
    auth.login(trainer)
    body = "## Title\n\n::: lens age\nYoung workers.\n:::\n\n[x](javascript:alert(1))"
    response = client.post("/author/preview", data={"body": body})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="lens lens-age"' in html and "Young workers." in html
    assert "javascript:" not in html and "<a>x</a>" in html


def test_edit_save_submit_publish_and_learner_sees_it(
    client, auth, steps, trainer, reviewer, make_user, demo_course
):
    learner = make_user()
    steps.as_(learner)
    client.post("/learning/track", data={"track": "demo/buyers"})
    assert "A brand new paragraph" not in client.get(LEARNER_PAGE).get_data(as_text=True)

    steps.as_(trainer)
    data = steps.module_form("demo", "intro")
    body = data["body"] + "\nA brand new paragraph for learners.\n"
    response = steps.save_module(
        "demo", "intro", body=body, title="Why buying matters now", change_note="New paragraph"
    )
    assert response.status_code == 302
    draft = authoring.open_draft(authoring.Item("module", demo_course, intro()))
    assert draft.state == VersionState.DRAFT and draft.number == 2
    assert draft.created_by_id == trainer.id and draft.based_on == 1
    assert draft.change_note == "New paragraph"
    assert "A brand new paragraph" in draft.source_text

    # The learner still gets version 1: drafts never reach learners.
    steps.as_(learner)
    assert "A brand new paragraph" not in client.get(LEARNER_PAGE).get_data(as_text=True)

    steps.as_(trainer)
    assert steps.submit("courses/demo/modules/intro", "please review").status_code == 302
    db.session.refresh(draft)
    assert draft.state == VersionState.IN_REVIEW and draft.submitted_by_id == trainer.id
    steps.as_(learner)
    assert "A brand new paragraph" not in client.get(LEARNER_PAGE).get_data(as_text=True)

    steps.as_(reviewer)
    assert steps.approve("courses/demo/modules/intro", "fine").status_code == 302
    db.session.expire_all()
    module = intro()
    assert module.live_version_id == draft.id
    assert db.session.get(ModuleVersion, draft.id).state == VersionState.PUBLISHED
    first = db.session.scalar(
        select(ModuleVersion).where(ModuleVersion.module_id == module.id, ModuleVersion.number == 1)
    )
    assert first.state == VersionState.SUPERSEDED

    # The learner who had started keeps v1 (and is told of the update); a new one gets v2.
    steps.as_(learner)
    html = client.get(LEARNER_PAGE).get_data(as_text=True)
    assert "A brand new paragraph" not in html and "has been updated" in html
    steps.as_(make_user())
    html = client.get(LEARNER_PAGE).get_data(as_text=True)
    assert "A brand new paragraph for learners." in html and "Why buying matters now" in html

    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-4:] == [
        "content_draft_created",
        "content_submitted",
        "content_approved",
        "content_published",
    ]


def test_a_new_learner_gets_the_published_version(
    client, steps, trainer, reviewer, make_user, demo_course
):
    steps.publish_module(trainer, reviewer, "demo", "intro", body="## Only\n\nFresh text.\n")
    steps.as_(make_user())
    html = client.get(LEARNER_PAGE).get_data(as_text=True)
    assert "Fresh text." in html and "Public money, private supply chains" not in html


def test_errors_are_shown_beside_their_fields(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    response = steps.save_module(
        "demo",
        "intro",
        title="",
        objectives="",
        body="## Fine\n\n::: lens gender\nNever closed\n",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    # Each message sits in its field's block (the field-error div before the input).
    title_block = html.split('id="title"')[0].rsplit('<div class="field', 1)[1]
    assert "&#39;title&#39; in the front matter is empty" in title_block
    objectives_block = html.split('id="objectives"')[0].rsplit('<div class="field', 1)[1]
    assert "objectives" in objectives_block and "expected 1 to 8" in objectives_block
    body_block = html.split('id="body"')[0].rsplit('<div class="field', 1)[1]
    assert "lens block &#39;gender&#39; is never closed" in body_block
    assert '<a href="#body">' in html and '<a href="#title">' in html
    assert authoring.open_draft(authoring.Item("module", demo_course, intro())) is None


def test_form_shape_errors(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    response = steps.save_module("demo", "intro", minutes="lots", position="0")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number of minutes." in html or "Not a valid integer" in html
    assert "Number must be between 1 and 99" in html


def test_unknown_source_is_refused(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    response = steps.save_module("demo", "intro", sources=["not-a-source"])
    assert response.status_code == 422
    assert "Choose from the list." in response.get_data(as_text=True)


def test_place_taken_by_another_module(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    response = steps.save_module("demo", "intro", position="2")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    block = html.split('id="position"')[0].rsplit('<div class="field', 1)[1]
    assert "place 02 is already taken by module &#39;red-flags&#39;" in block


def test_lint_warnings_beside_the_body_do_not_block_saving(
    client, auth, steps, trainer, demo_course
):
    auth.login(trainer)
    data = steps.module_form("demo", "intro")
    body = data["body"] + "\n#### Skipped\n\nSee [click here](/help) and ![](/x.png)\n"
    response = client.post(EDIT, data={**data, "body": body, "action": "preview"})
    html = response.get_data(as_text=True)
    warnings = html.split('id="body-warnings"')[1].split("</div>")[0]
    assert "heading level 4 follows level 2" in warnings
    assert "link text &#39;click here&#39;" in warnings
    assert "image has no alt text" in warnings
    assert steps.save_module("demo", "intro", body=body).status_code == 302


def test_missing_lens_block_warning_follows_the_chosen_tracks(
    client, auth, steps, trainer, demo_course
):
    auth.login(trainer)
    data = steps.module_form("demo", "intro")
    body = "## Plain\n\nNo lens blocks here.\n"
    html = client.post(EDIT, data={**data, "body": body, "action": "preview"}).get_data(
        as_text=True
    )
    assert "turns the gender lens on, but the module has no" in html
    html = client.post(
        EDIT, data={**data, "body": body, "tracks": [], "action": "preview"}
    ).get_data(as_text=True)
    assert "turns the gender lens on" not in html


def test_lens_buttons_work_without_javascript(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    data = steps.module_form("demo", "intro")
    response = client.post(EDIT, data={**data, "body": "## A\n\nText.", "action": "lens-age"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "## A\n\nText.\n\n::: lens age\nText for learners with the age lens on.\n:::" in html


def test_saving_unchanged_text_makes_no_draft(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    response = steps.save_module("demo", "intro")
    assert response.status_code == 302
    assert "Nothing changed" in client.get(EDIT).get_data(as_text=True)
    assert authoring.open_draft(authoring.Item("module", demo_course, intro())) is None


def test_editing_a_draft_updates_it_in_place_and_withdraws_it_from_review(
    client, auth, steps, trainer, demo_course
):
    auth.login(trainer)
    steps.save_module("demo", "intro", title="First edit")
    steps.submit("courses/demo/modules/intro")
    item = authoring.Item("module", demo_course, intro())
    draft = authoring.open_draft(item)
    assert draft.state == VersionState.IN_REVIEW
    steps.save_module("demo", "intro", title="Second edit")
    db.session.expire_all()
    again = authoring.open_draft(item)
    assert again.id == draft.id and again.number == 2
    assert again.title == "Second edit" and again.state == VersionState.DRAFT
    assert again.submitted_by_id is None


def test_changing_tracks_drafts_the_course(client, auth, steps, trainer, reviewer, demo_course):
    auth.login(trainer)
    response = steps.save_module("demo", "red-flags", tracks=["buyers", "managers"])
    assert response.status_code == 302
    course_item = authoring.Item("course", demo_course)
    course_draft = authoring.open_draft(course_item)
    assert course_draft is not None and course_draft.state == VersionState.DRAFT
    managers = next(t for t in course_draft.tracks if t["slug"] == "managers")
    assert managers["modules"] == ["intro", "responding", "red-flags"]
    # The module text itself did not change, so there is no module draft.
    module = db.session.scalar(select(Module).where(Module.slug == "red-flags"))
    assert authoring.open_draft(authoring.Item("module", demo_course, module)) is None
    # Live course unchanged until the course draft is reviewed.
    live = db.session.get(CourseVersion, demo_course.live_version_id)
    assert "red-flags" not in live.track("managers")["modules"]
    assert authoring.module_tracks(demo_course, "red-flags") == ["buyers", "managers"]

    steps.submit("courses/demo/course")
    steps.as_(reviewer)
    assert steps.approve("courses/demo/course").status_code == 302
    db.session.expire_all()
    assert "red-flags" in demo_course.live_version.track("managers")["modules"]


def test_new_module_needs_its_quiz_before_publishing(
    client, auth, steps, trainer, reviewer, make_user, demo_course
):
    auth.login(trainer)
    response = client.post(
        "/author/courses/demo/modules/new",
        data={
            "slug": "supplier-audits",
            "title": "Supplier audits",
            "position": "4",
            "minutes": "12",
            "objectives": "Plan an audit.\nRead an audit report critically.",
            "sources": ["icat-2021"],
            "tracks": ["buyers"],
            "body": "## Audits\n\nAudits can miss forced labour.\n\n::: lens gender\nG.\n:::\n"
            "\n::: lens age\nA.\n:::\n",
            "action": "save",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    module = db.session.scalar(select(Module).where(Module.slug == "supplier-audits"))
    item = authoring.Item("module", demo_course, module)
    assert authoring.open_draft(item).position == 4
    assert module.live_version_id is None
    assert client.get("/courses/demo/modules/supplier-audits").status_code == 404

    steps.submit("courses/demo/modules/supplier-audits")
    steps.as_(reviewer)
    response = steps.approve("courses/demo/modules/supplier-audits")
    assert response.status_code == 409
    assert "Publish this module&#39;s quiz first" in response.get_data(as_text=True)

    # Write its quiz (one question), publish it, then the module, then the course.
    steps.as_(trainer)
    question = {
        "type": "true_false",
        "id": "audit-enough",
        "stem": "An audit alone proves there is no forced labour.",
        "points": "1",
        "options-0-id": "true",
        "options-0-feedback": "No: audits can be staged.",
        "options-1-id": "false",
        "options-1-correct": "y",
        "options-1-feedback": "Right: audits can be staged.",
        "explanation": "Audits are one source among several (ICAT 2021).",
        "sources": ["icat-2021"],
        "action": "save",
    }
    quiz_path = "/author/courses/demo/modules/supplier-audits/quiz"
    response = client.post(f"{quiz_path}/questions/new?type=true_false", data=question)
    assert response.status_code == 302, response.get_data(as_text=True)
    steps.submit("courses/demo/modules/supplier-audits/quiz")
    steps.submit("courses/demo/modules/supplier-audits")
    steps.submit("courses/demo/course")
    steps.as_(reviewer)
    assert steps.approve("courses/demo/course").status_code == 409  # module not live yet
    assert steps.approve("courses/demo/modules/supplier-audits/quiz").status_code == 302
    assert steps.approve("courses/demo/modules/supplier-audits").status_code == 302
    assert steps.approve("courses/demo/course").status_code == 302

    steps.as_(make_user())
    client.post("/learning/track", data={"track": "demo/buyers"})
    html = client.get("/courses/demo/modules/supplier-audits").get_data(as_text=True)
    assert "Audits can miss forced labour." in html
    assert "Supplier audits" in client.get("/learning").get_data(as_text=True)


def test_new_module_slug_rules(client, auth, trainer, demo_course):
    auth.login(trainer)
    base = {
        "title": "T",
        "position": "9",
        "minutes": "5",
        "objectives": "Do.",
        "sources": ["icat-2021"],
        "body": "## A\n\nText.\n",
        "action": "save",
    }
    response = client.post("/author/courses/demo/modules/new", data={**base, "slug": "Bad Slug"})
    assert response.status_code == 422
    assert "module file name" in response.get_data(as_text=True)
    response = client.post("/author/courses/demo/modules/new", data={**base, "slug": "intro"})
    assert response.status_code == 422
    assert "Another module of this course has that short name." in response.get_data(as_text=True)
