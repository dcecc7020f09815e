"""Assignments: to a person, department or organisation; joiners inherit; overdue computed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learn.extensions import db
from learn.models import Assignment, Enrolment, Role
from learn.services import accounts, assignments, people
from learn.services.scope import Scope
from tests.helpers import complete_track

TODAY = date.today()
SOON = TODAY + timedelta(days=30)
LATER = TODAY + timedelta(days=90)


def enrolment_of(user, slug="buyers"):
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.track_slug == slug)
    )


def test_department_assignment_enrols_members_and_later_joiners(
    app, demo_course, make_user, org_a, admin_a
):
    procurement, finance = org_a.departments[1], org_a.departments[0]
    assert procurement.name == "Procurement"
    member = make_user(org=org_a, department=procurement)
    outsider = make_user(org=org_a, department=finance)
    result = assignments.assign_track(
        admin_a, Scope(org_a.id), demo_course, "buyers", SOON, department=procurement
    )
    assert result.enrolled == 1
    assert enrolment_of(member).due_on == SOON
    assert enrolment_of(member).assignment_id == result.assignment.id
    assert enrolment_of(outsider) is None
    joiner = make_user(org=org_a, department=procurement)
    assert enrolment_of(joiner).due_on == SOON and enrolment_of(joiner).origin == "admin"


def test_organisation_assignment_reaches_everyone_and_importees(
    app, demo_course, make_user, org_a, org_b, admin_a
):
    a_person = make_user(org=org_a)
    b_person = make_user(org=org_b)
    assignments.assign_track(
        admin_a, Scope(org_a.id), demo_course, "managers", SOON, organisation_id=org_a.id
    )
    assert enrolment_of(a_person, "managers") is not None
    assert enrolment_of(b_person, "managers") is None
    rows = people.read_people_csv(b"name,email\nNew,new@example.gov\n")
    people.import_rows(admin_a, Scope(org_a.id), rows, good_only=False)
    newcomer = accounts.find_user("new@example.gov")
    assert enrolment_of(newcomer, "managers").due_on == SOON


def test_moving_into_a_department_brings_its_assignments(
    app, demo_course, make_user, org_a, admin_a
):
    finance, procurement = org_a.departments
    assignments.assign_track(
        admin_a, Scope(org_a.id), demo_course, "buyers", SOON, department=procurement
    )
    mover = make_user(org=org_a, department=finance)
    assert enrolment_of(mover) is None
    applied = people.move_person(admin_a, Scope(org_a.id), mover, procurement.id)
    assert applied == 1 and enrolment_of(mover).due_on == SOON


def test_an_earlier_due_date_is_kept_and_a_later_one_brought_forward(
    app, demo_course, make_user, org_a, admin_a
):
    person = make_user(org=org_a)
    scope = Scope(org_a.id)
    assignments.assign_track(admin_a, scope, demo_course, "buyers", LATER, user=person)
    assert enrolment_of(person).due_on == LATER
    result = assignments.assign_track(admin_a, scope, demo_course, "buyers", SOON, user=person)
    assert result.enrolled == 0 and result.updated == 1
    assert enrolment_of(person).due_on == SOON
    assignments.assign_track(admin_a, scope, demo_course, "buyers", LATER, user=person)
    assert enrolment_of(person).due_on == SOON


def test_a_passed_due_date_is_not_given_to_joiners(app, demo_course, make_user, org_a, admin_a):
    assignment = Assignment(
        course_id=demo_course.id,
        track_slug="buyers",
        organisation_id=org_a.id,
        due_on=TODAY - timedelta(days=3),
    )
    db.session.add(assignment)
    db.session.commit()
    joiner = make_user(org=org_a)
    assert enrolment_of(joiner) is not None and enrolment_of(joiner).due_on is None


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"due_on": TODAY - timedelta(days=1)}, "date_in_past"),
        ({"slug": "astronauts"}, "unknown_track"),
        ({"two_targets": True}, "one_target"),
    ],
)
def test_bad_assignments_are_refused(app, demo_course, make_user, org_a, admin_a, kwargs, code):
    person = make_user(org=org_a)
    targets = {"user": person}
    if kwargs.get("two_targets"):
        targets["department"] = org_a.departments[0]
    with pytest.raises(assignments.AssignmentError) as caught:
        assignments.assign_track(
            admin_a,
            Scope(org_a.id),
            demo_course,
            kwargs.get("slug", "buyers"),
            kwargs.get("due_on", SOON),
            **targets,
        )
    assert caught.value.code == code


def test_org_admin_cannot_assign_to_another_organisation(
    app, demo_course, make_user, org_a, org_b, admin_a
):
    with pytest.raises(assignments.AssignmentError) as caught:
        assignments.assign_track(
            admin_a, Scope(org_a.id), demo_course, "buyers", SOON, organisation_id=org_b.id
        )
    assert caught.value.status == 404
    with pytest.raises(assignments.AssignmentError):
        assignments.assign_track(
            admin_a, Scope(org_a.id), demo_course, "buyers", SOON, department=org_b.departments[0]
        )


def test_overdue_is_computed_not_stored(app, demo_course, make_user, org_a, admin_a, login, client):
    late = make_user(org=org_a, name="Late Larry")
    done = make_user(org=org_a, name="Done Dora")
    scope = Scope(org_a.id)
    for person in (late, done):
        assignments.assign_track(admin_a, scope, demo_course, "buyers", SOON, user=person)
        enrolment_of(person).due_on = TODAY - timedelta(days=1)  # the due date passes
    db.session.commit()
    complete_track(done, "demo", "buyers")
    listing = people.list_people(scope, people.PeopleFilter(progress="overdue"))
    assert [r.name for r in listing.rows] == ["Late Larry"]
    assert listing.rows[0].overdue == 1
    # The same people are not overdue the day before.
    earlier = people.list_people(
        scope, people.PeopleFilter(progress="overdue"), today=TODAY - timedelta(days=2)
    )
    assert earlier.total == 0


def test_assignment_page_assigns_a_department(
    client, login, admin_a, org_a, make_user, demo_course
):
    procurement = org_a.departments[1]
    make_user(org=org_a, department=procurement)
    login(admin_a)
    response = client.post(
        "/admin/assignments",
        data={
            "track": "demo/buyers",
            "due_on": SOON.isoformat(),
            "target": "department",
            "department": procurement.id,
        },
    )
    assert response.status_code == 302
    html = client.get("/admin/assignments").get_data(as_text=True)
    assert "Track assigned: 1 people enrolled" in html
    assert "Department: Procurement" in html


def test_assignment_page_needs_a_target(client, login, admin_a, demo_course):
    login(admin_a)
    response = client.post("/admin/assignments", data={"track": "demo/buyers", "target": "person"})
    assert response.status_code == 422
    assert "Choose who the track is for" in response.get_data(as_text=True)


def test_assignment_page_refuses_a_person_of_another_organisation(
    client, login, admin_a, make_user, org_b, demo_course
):
    other = make_user(org=org_b)
    login(admin_a)
    response = client.post(
        "/admin/assignments",
        data={"track": "demo/buyers", "target": "person", "email": other.email},
    )
    assert response.status_code == 422
    assert enrolment_of(other) is None


def test_roles_are_unchanged_by_assignment(app, demo_course, make_user, org_a, admin_a):
    trainer = make_user(Role.TRAINER, org=org_a)
    assignments.assign_track(
        admin_a, Scope(org_a.id), demo_course, "buyers", None, organisation_id=org_a.id
    )
    assert trainer.role == Role.TRAINER and enrolment_of(trainer).due_on is None
