"""People: create, list and export, deactivate and reactivate, roles, reset links, person page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learn.extensions import db
from learn.models import AuditEvent, PasswordReset, Role
from learn.services import accounts, people
from learn.services.scope import Scope
from tests.conftest import PASSWORD
from tests.helpers import complete_track


def test_create_person_shows_a_one_time_link(client, login, admin_a, org_a):
    login(admin_a)
    response = client.post(
        "/admin/people/new",
        data={
            "name": "Amina Diallo",
            "email": "Amina@Example.gov",
            "organisation": org_a.id,
            "department": org_a.departments[0].id,
            "role": "trainer",
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Person added" in html and "/reset/" in html
    person = accounts.find_user("amina@example.gov")
    assert person.role == Role.TRAINER and person.password_hash is None
    token = html.split("/reset/")[1].split("<")[0]
    assert accounts.find_reset(token).user_id == person.id


def test_create_person_refuses_a_taken_email(client, login, admin_a, org_a, make_user):
    make_user(org=org_a, email="taken@example.gov")
    login(admin_a)
    response = client.post(
        "/admin/people/new",
        data={
            "name": "X",
            "email": "taken@example.gov",
            "organisation": org_a.id,
            "role": "learner",
        },
    )
    assert response.status_code == 422
    assert "already has an account" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["platform_admin"])
def test_org_admin_cannot_create_a_platform_admin(client, login, admin_a, org_a, role):
    login(admin_a)
    response = client.post(
        "/admin/people/new",
        data={"name": "X", "email": "x@example.gov", "organisation": org_a.id, "role": role},
    )
    assert response.status_code == 422
    assert accounts.find_user("x@example.gov") is None


def test_org_admin_cannot_create_in_another_organisation(client, login, admin_a, org_b):
    login(admin_a)
    response = client.post(
        "/admin/people/new",
        data={"name": "X", "email": "x@example.gov", "organisation": org_b.id, "role": "learner"},
    )
    assert response.status_code == 422
    assert accounts.find_user("x@example.gov") is None


def test_deactivate_keeps_records_and_stops_sign_in(
    client, login, auth, admin_a, org_a, make_user, demo_course
):
    person = make_user(org=org_a, email="leaver@example.gov")
    complete_track(person, "demo", "managers")
    login(admin_a)
    response = client.post(f"/admin/people/{person.id}/deactivate")
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.active is False
    html = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Deactivated" in html and "Contract managers" in html
    auth.logout()
    assert accounts.authenticate("leaver@example.gov", PASSWORD) is None
    login(admin_a)
    client.post(f"/admin/people/{person.id}/reactivate")
    db.session.refresh(person)
    assert person.active is True
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert "user_deactivated" in actions and "user_reactivated" in actions


def test_nobody_deactivates_or_changes_themselves(client, login, admin_a):
    login(admin_a)
    assert client.post(f"/admin/people/{admin_a.id}/deactivate").status_code == 403
    assert (
        client.post(f"/admin/people/{admin_a.id}/role", data={"role": "learner"}).status_code == 403
    )
    db.session.refresh(admin_a)
    assert admin_a.active and admin_a.role == Role.ORG_ADMIN


@pytest.mark.parametrize(
    ("actor", "role", "allowed"),
    [
        ("org", "trainer", True),
        ("org", "org_admin", True),
        ("org", "platform_admin", False),
        ("platform", "platform_admin", True),
    ],
)
def test_roles_an_admin_may_give(
    app, admin_a, platform_admin, org_a, make_user, actor, role, allowed
):
    person = make_user(org=org_a)
    admin = admin_a if actor == "org" else platform_admin
    scope = Scope(org_a.id) if actor == "org" else Scope(None)
    if allowed:
        people.change_role(admin, scope, person, Role(role))
        assert person.role == Role(role)
    else:
        with pytest.raises(people.PeopleError):
            people.change_role(admin, scope, person, Role(role))
        assert person.role == Role.LEARNER


def test_org_admin_cannot_touch_a_platform_admin_in_their_organisation(
    client, login, admin_a, org_a, make_user
):
    boss = make_user(Role.PLATFORM_ADMIN, org=org_a)
    login(admin_a)
    assert client.post(f"/admin/people/{boss.id}/role", data={"role": "learner"}).status_code == 403
    assert client.post(f"/admin/people/{boss.id}/deactivate").status_code == 403
    assert client.post(f"/admin/people/{boss.id}/reset-link").status_code == 403


def test_role_change_through_the_page(client, login, admin_a, org_a, make_user):
    person = make_user(org=org_a)
    login(admin_a)
    response = client.post(f"/admin/people/{person.id}/role", data={"role": "trainer"})
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.role == Role.TRAINER
    assert (
        client.post(f"/admin/people/{person.id}/role", data={"role": "platform_admin"}).status_code
        == 400
    )


def test_reset_link_is_shown_once_and_works(client, login, admin_a, org_a, make_user):
    person = make_user(org=org_a)
    login(admin_a)
    html = client.post(f"/admin/people/{person.id}/reset-link").get_data(as_text=True)
    token = html.split("/reset/")[1].split("<")[0]
    assert accounts.find_reset(token).user_id == person.id
    stored = db.session.scalar(select(PasswordReset.token_hash))
    assert token not in stored


def test_person_page_shows_tracks_attempts_and_certificates(
    client, login, admin_a, org_a, make_user, demo_course
):
    person = make_user(org=org_a, name="Zoë Okafor")
    complete_track(person, "demo", "buyers")
    login(admin_a)
    html = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "Zoë Okafor" in html and "Buyers" in html and "3 / 3 (100%)" in html
    assert "Why buying matters" in html and "Passed" in html
    assert html.count("Valid") >= 1


def test_person_list_filters_and_pages(client, login, admin_a, org_a, make_user):
    finance, procurement = org_a.departments
    for i in range(55):
        make_user(org=org_a, department=procurement, name=f"Person {i:02d}")
    make_user(org=org_a, department=finance, name="Zed Finance")
    login(admin_a)
    html = client.get("/admin/people").get_data(as_text=True)
    assert "57 people" in html and "Page 1 of 2" in html
    html = client.get(f"/admin/people?department={finance.id}").get_data(as_text=True)
    assert "Zed Finance" in html and "Person 01" not in html
    html = client.get("/admin/people?q=zed").get_data(as_text=True)
    assert "1 person" in html
    html = client.get("/admin/people?q=100%25").get_data(as_text=True)
    assert "0 people" in html


def test_people_export_streams_with_filters_and_guards_formulas(
    client, login, admin_a, org_a, org_b, make_user
):
    make_user(org=org_a, name='=HYPERLINK("http://evil")')
    make_user(org=org_a, name="Plain Person")
    make_user(org=org_b, name="Other Org")
    login(admin_a)
    response = client.get("/admin/people.csv")
    assert response.mimetype == "text/csv"
    assert response.is_streamed
    body = response.get_data(as_text=True)
    lines = body.splitlines()
    assert (
        lines[0] == "\ufeffname,email,organisation,department,role,active,tracks,completed,overdue"
    )
    assert any(line.startswith("\"'=HYPERLINK") for line in lines)
    assert "Plain Person" in body and "Other Org" not in body
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 0


def test_move_person_to_a_department_of_another_organisation_is_refused(
    client, login, admin_a, org_a, org_b, make_user
):
    person = make_user(org=org_a)
    login(admin_a)
    response = client.post(
        f"/admin/people/{person.id}/department", data={"department": org_b.departments[0].id}
    )
    assert response.status_code == 400
    db.session.refresh(person)
    assert person.department_id is None


def test_people_export_counts_tracks_completed_and_overdue(
    client, login, admin_a, org_a, make_user, demo_course
):
    from datetime import date, timedelta

    from learn.services import tracks

    person = make_user(org=org_a, name="Counted Person")
    tracks.enrol(person, demo_course, "buyers", due_on=date.today() - timedelta(days=1))
    complete_track(person, "demo", "managers")
    login(admin_a)
    body = client.get("/admin/people.csv").get_data(as_text=True)
    line = next(line for line in body.splitlines() if line.startswith("Counted Person"))
    assert line.endswith(",Ministry A,,learner,yes,2,1,1")
