"""Review and publication: four eyes, rejection, discarding, diffs, rollback, the audit log."""

from __future__ import annotations

from sqlalchemy import select

from learn.extensions import db
from learn.models import AuditEvent, Module, ModuleVersion, VersionState
from learn.services import authoring

MODULE = "courses/demo/modules/intro"


def intro_item(course):
    module = db.session.scalar(select(Module).where(Module.slug == "intro"))
    return authoring.Item("module", course, module)


def draft_in_review(steps, author, title="Reviewed title"):
    steps.as_(author)
    assert steps.save_module("demo", "intro", title=title).status_code == 302
    assert steps.submit(MODULE).status_code == 302


def test_author_cannot_approve_their_own_draft(client, steps, trainer, demo_course):
    draft_in_review(steps, trainer)
    page = client.get(f"/author/{MODULE}/versions/2").get_data(as_text=True)
    assert "another trainer must approve it" in page and "Approve and publish" not in page
    response = steps.approve(MODULE)
    assert response.status_code == 403
    assert "another trainer must review it" in response.get_data(as_text=True)
    db.session.expire_all()
    assert intro_item(demo_course).module.live_version.number == 1
    assert authoring.open_draft(intro_item(demo_course)).state == VersionState.IN_REVIEW


def test_someone_who_changed_the_draft_cannot_approve_it(
    client, steps, trainer, reviewer, platform_admin, demo_course
):
    draft_in_review(steps, trainer)
    steps.as_(reviewer)
    steps.save_module("demo", "intro", title="Reviewer's touch")
    steps.submit(MODULE)
    assert steps.approve(MODULE).status_code == 403
    steps.as_(trainer)  # created it: still an author
    assert steps.approve(MODULE).status_code == 403
    steps.as_(platform_admin)
    assert steps.approve(MODULE).status_code == 302


def test_another_trainer_approves(client, steps, trainer, reviewer, demo_course):
    draft_in_review(steps, trainer)
    steps.as_(reviewer)
    page = client.get(f"/author/{MODULE}/versions/2").get_data(as_text=True)
    assert "Approve and publish" in page and "Send back to the author" in page
    response = steps.approve(MODULE, "Looks right")
    assert response.status_code == 302
    db.session.expire_all()
    live = intro_item(demo_course).module.live_version
    assert live.number == 2 and live.title == "Reviewed title"
    assert live.reviewed_by_id == reviewer.id and live.review_note == "Looks right"


def test_platform_admin_may_approve(client, steps, trainer, platform_admin, demo_course):
    draft_in_review(steps, trainer)
    steps.as_(platform_admin)
    assert steps.approve(MODULE).status_code == 302
    db.session.expire_all()
    assert intro_item(demo_course).module.live_version.number == 2


def test_platform_admin_cannot_approve_their_own_draft(client, steps, platform_admin, demo_course):
    draft_in_review(steps, platform_admin)
    assert steps.approve(MODULE).status_code == 403


def test_without_four_eyes_the_author_may_publish(make_app, make_user):
    from learn.services.catalogue import import_path
    from tests.conftest import DATA, AuthActions

    app = make_app(FOUR_EYES_REVIEW=False)
    import_path(DATA / "content")
    trainer = make_user("trainer")
    client = app.test_client()
    from tests.author.conftest import Steps

    steps = Steps(client, AuthActions(client))
    draft_in_review(steps, trainer)
    assert steps.approve(MODULE).status_code == 302
    db.session.expire_all()
    module = db.session.scalar(select(Module).where(Module.slug == "intro"))
    assert module.live_version.number == 2


def test_approve_needs_something_in_review(client, steps, trainer, reviewer, demo_course):
    steps.as_(trainer)
    steps.save_module("demo", "intro", title="Not submitted")
    steps.as_(reviewer)
    assert steps.approve(MODULE).status_code == 409
    assert steps.submit("courses/demo/modules/red-flags").status_code == 409


def test_reject_with_a_note_then_author_revises(client, steps, trainer, reviewer, demo_course):
    draft_in_review(steps, trainer)
    steps.as_(reviewer)
    response = client.post(f"/author/{MODULE}/reject", data={"reason": ""})
    assert response.status_code == 400
    response = client.post(f"/author/{MODULE}/reject", data={"reason": "Cite the source."})
    assert response.status_code == 302
    db.session.expire_all()
    rejected = authoring.get_version(intro_item(demo_course), 2)
    assert rejected.state == VersionState.REJECTED and rejected.review_note == "Cite the source."
    assert rejected.reviewed_by_id == reviewer.id

    steps.as_(trainer)
    html = client.get(f"/author/{MODULE}/edit").get_data(as_text=True)
    assert "The reviewer asked for changes:" in html and "Cite the source." in html
    assert 'value="Reviewed title"' in html  # the editor starts from the rejected text
    steps.save_module("demo", "intro", title="Reviewed title, with source")
    draft = authoring.open_draft(intro_item(demo_course))
    assert draft.number == 3 and draft.based_on == 1


def test_discard_a_draft(client, steps, trainer, demo_course):
    steps.as_(trainer)
    steps.save_module("demo", "intro", title="Throw away")
    assert client.post(f"/author/{MODULE}/discard").status_code == 302
    assert authoring.open_draft(intro_item(demo_course)) is None
    version = authoring.get_version(intro_item(demo_course), 2)
    assert version.state == VersionState.REJECTED and "Discarded" in version.review_note
    assert client.post(f"/author/{MODULE}/discard").status_code == 409


def test_side_by_side_diff_of_two_versions(client, steps, trainer, reviewer, demo_course):
    steps.as_(trainer)
    body = steps.module_form("demo", "intro")["body"].replace(
        "Public buyers spend large sums", "Public buyers spend very large sums"
    )
    steps.save_module("demo", "intro", body=body + "\nAn added closing line.\n")
    html = client.get(f"/author/{MODULE}/compare?a=1&b=2").get_data(as_text=True)
    assert "Compare versions 1 and 2" in html
    assert '<tr class="diff-replace">' in html
    assert "<del>Public buyers spend large sums" in html
    assert "<ins>Public buyers spend very large sums" in html
    assert "<ins>An added closing line.</ins>" in html
    assert "removed:" in html and "added:" in html
    # Defaults: live against the draft.
    assert "Compare versions 1 and 2" in client.get(f"/author/{MODULE}/compare").get_data(
        as_text=True
    )
    assert client.get(f"/author/{MODULE}/compare?a=1&b=9").status_code == 404


def test_diff_rows():
    rows = authoring.diff_rows("a\nb\nc\n", "a\nB\nc\nd\n")
    kinds = [(r.kind, r.left, r.right) for r in rows]
    assert ("replace", "b", "B") in kinds and ("insert", "", "d") in kinds
    long = "\n".join(str(i) for i in range(30))
    rows = authoring.diff_rows(long, long.replace("15", "fifteen"))
    assert [r.kind for r in rows].count("skip") == 2
    assert sum(1 for r in rows if r.kind == "equal") == 6


def test_rollback_makes_a_new_version_for_review(
    client, steps, trainer, reviewer, make_user, demo_course
):
    steps.publish_module(trainer, reviewer, "demo", "intro", title="Version two")
    steps.as_(trainer)
    page = client.get(f"/author/{MODULE}/versions/1").get_data(as_text=True)
    assert "Roll back to version 1" in page
    response = client.post(f"/author/{MODULE}/versions/1/rollback")
    assert response.status_code == 302
    db.session.expire_all()
    item = intro_item(demo_course)
    rolled = authoring.open_draft(item)
    first = authoring.get_version(item, 1)
    assert rolled.number == 3 and rolled.state == VersionState.IN_REVIEW
    assert rolled.source_text == first.source_text and rolled.based_on == 1
    assert item.module.live_version.number == 2  # still live until reviewed
    assert steps.approve(MODULE).status_code == 403  # the one who rolled back
    steps.as_(reviewer)
    assert steps.approve(MODULE).status_code == 302
    db.session.expire_all()
    live = intro_item(demo_course).module.live_version
    assert live.number == 3 and live.title == "Why buying matters"
    states = {v.number: v.state for v in authoring.versions(intro_item(demo_course))}
    assert states == {1: "superseded", 2: "superseded", 3: "published"}
    steps.as_(make_user())
    assert "Why buying matters" in client.get("/courses/demo/modules/intro").get_data(as_text=True)


def test_rollback_refusals(client, steps, trainer, reviewer, demo_course):
    steps.as_(trainer)
    assert client.post(f"/author/{MODULE}/versions/1/rollback").status_code == 409  # live
    assert client.post(f"/author/{MODULE}/versions/7/rollback").status_code == 404
    steps.publish_module(trainer, reviewer, "demo", "intro", title="Two")
    steps.as_(trainer)
    steps.save_module("demo", "intro", title="Three, a draft")
    response = client.post(f"/author/{MODULE}/versions/1/rollback")
    assert response.status_code == 409
    assert "publish or discard it before rolling back" in response.get_data(as_text=True)


def test_history_lists_versions_and_people(client, steps, trainer, reviewer, demo_course):
    steps.publish_module(trainer, reviewer, "demo", "intro", title="Two")
    steps.as_(trainer)
    html = client.get(f"/author/{MODULE}/versions").get_data(as_text=True)
    assert "v1" in html and "v2" in html and "Tess Trainer" in html and "Rob Reviewer" in html
    assert "(live)" in html and 'name="a"' in html


def test_versions_are_immutable_once_published(client, steps, trainer, reviewer, demo_course):
    steps.publish_module(trainer, reviewer, "demo", "intro", title="Two")
    published = db.session.scalar(
        select(ModuleVersion).where(ModuleVersion.number == 2, ModuleVersion.title == "Two")
    )
    text = published.source_text
    steps.as_(trainer)
    steps.save_module("demo", "intro", title="Three")
    db.session.expire_all()
    assert db.session.get(ModuleVersion, published.id).source_text == text
    assert authoring.open_draft(intro_item(demo_course)).number == 3


def test_every_step_is_in_the_audit_log(client, steps, trainer, reviewer, demo_course):
    draft_in_review(steps, trainer)
    steps.as_(trainer)
    steps.save_module("demo", "intro", title="Changed again")
    steps.submit(MODULE)
    steps.as_(reviewer)
    client.post(f"/author/{MODULE}/reject", data={"reason": "No."})
    steps.as_(trainer)
    steps.save_module("demo", "intro", title="Third try")
    steps.submit(MODULE)
    steps.as_(reviewer)
    steps.approve(MODULE)
    client.post(f"/author/{MODULE}/versions/1/rollback")
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.subject == "module:demo/intro").order_by(AuditEvent.id)
    ).all()
    got = [(e.action, e.actor_id, e.detail["version"]) for e in events]
    assert got == [
        ("content_draft_created", trainer.id, 2),
        ("content_submitted", trainer.id, 2),
        ("content_draft_changed", trainer.id, 2),
        ("content_submitted", trainer.id, 2),
        ("content_rejected", reviewer.id, 2),
        ("content_draft_created", trainer.id, 3),
        ("content_submitted", trainer.id, 3),
        ("content_approved", reviewer.id, 3),
        ("content_published", reviewer.id, 3),
        ("content_rolled_back", reviewer.id, 4),
    ]
    assert events[2].detail["withdrawn_from_review"] is True
    assert events[-1].detail["to_version"] == 1
