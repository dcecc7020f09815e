"""CSV exports of the assignment list, the audit log and the person list: streamed, filtered,
scoped, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import String, func, insert, literal, null, select, update

from learn.extensions import db
from learn.models import Certificate, Enrolment, Role, User
from learn.services import assignments, certificates, exports, people, tracks
from learn.services.scope import Scope
from tests.helpers import complete_track

TODAY = date.today()
SOON = TODAY + timedelta(days=30)


def read_csv(response) -> list[list[str]]:
    """Check a response is a streamed CSV download; return its rows, header first."""
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def certificate_of(user) -> Certificate:
    return db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "", " =x", "'=x", "Ωmega", "=Ω"],
)
def test_the_database_guards_formulas_as_python_does(app, value):
    guarded = db.session.scalar(select(exports.safe_column(literal(value, String))))
    assert guarded == exports.safe_cell(value)


def test_the_database_guard_leaves_null_alone(app):
    assert db.session.scalar(select(exports.safe_column(null()))) is None


# --- assignments -------------------------------------------------------------------------


def test_assignments_csv_counts_people_and_guards_formulas(
    client, login, platform_admin, make_org, make_user, demo_course
):
    org = make_org("=Evil Ministry", departments=("@Unit",))
    unit = org.departments[0]
    done = make_user(org=org, department=unit, name="Done Person")
    late = make_user(org=org, department=unit, name="Late Person")
    make_user(org=org, department=unit, name="Waiting Person")
    assignments.assign_track(
        platform_admin, Scope(None), demo_course, "buyers", SOON, department=unit
    )
    complete_track(done, "demo", "buyers")
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id == late.id)
        .values(due_on=TODAY - timedelta(days=1))
    )
    db.session.commit()
    login(platform_admin)
    rows = read_csv(client.get("/admin/assignments.csv"))
    assert rows[0] == [
        "track", "track_title", "assigned_to", "target", "organisation", "due_on",
        "assigned_on", "people", "completed", "overdue",
    ]  # fmt: skip
    assert rows[1:] == [
        [
            "demo/buyers", "Buyers", "department", "'@Unit", "'=Evil Ministry",
            SOON.isoformat(), TODAY.isoformat(), "3", "1", "1",
        ]
    ]  # fmt: skip


def test_org_admin_exports_only_their_organisations_assignments(
    client, login, admin_a, admin_b, org_a, org_b, make_user, demo_course
):
    person_b = make_user(org=org_b, name="Bea Outside")
    assignments.assign_track(
        admin_a, Scope(org_a.id), demo_course, "buyers", SOON, organisation_id=org_a.id
    )
    assignments.assign_track(admin_b, Scope(org_b.id), demo_course, "managers", SOON, user=person_b)
    login(admin_a)
    html = client.get("/admin/assignments").get_data(as_text=True)
    assert 'href="/admin/assignments.csv"' in html
    rows = read_csv(client.get("/admin/assignments.csv"))
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("demo/buyers", "organisation", "Ministry A")]
    assert "Bea Outside" not in str(rows) and "Ministry B" not in str(rows)


def test_assignments_csv_of_nothing_is_just_the_header(client, login, admin_a):
    login(admin_a)
    assert len(read_csv(client.get("/admin/assignments.csv"))) == 1
    assert "/admin/assignments.csv" not in client.get("/admin/assignments").get_data(as_text=True)


# --- the audit log -----------------------------------------------------------------------


@pytest.fixture
def audited(make_user, org_a, org_b, platform_admin, demo_course):
    """Events in both organisations: certificates revoked, and people deactivated.

    The person deactivating someone in Ministry A is named like a spreadsheet formula.
    """
    a_person = make_user(org=org_a, name="Ann")
    b_person = make_user(org=org_b, name="Ben")
    complete_track(a_person, "demo", "buyers")
    complete_track(b_person, "demo", "buyers")
    certificates.revoke_certificate(certificate_of(a_person), "A's reason", platform_admin)
    certificates.revoke_certificate(certificate_of(b_person), "B's, reason", platform_admin)
    formula_admin = make_user(Role.ORG_ADMIN, org=org_a, name="=cmd|' /C calc'!A0")
    people.set_active(formula_admin, Scope(org_a.id), a_person, False)
    b_admin = make_user(Role.ORG_ADMIN, org=org_b, name="Bob")
    people.set_active(b_admin, Scope(org_b.id), b_person, False)
    return a_person, b_person


def test_audit_csv_applies_the_action_filter(client, login, platform_admin, audited):
    login(platform_admin)
    rows = read_csv(client.get("/admin/audit.csv?action=certificate_revoked"))
    assert rows[0] == ["at", "actor", "actor_email", "action", "subject", "detail"]
    assert {r[3] for r in rows[1:]} == {"certificate_revoked"}
    assert sorted(json.loads(r[5])["reason"] for r in rows[1:]) == ["A's reason", "B's, reason"]
    assert all(r[1] == "Pat Platform" and r[4].startswith("certificate:") for r in rows[1:])
    everything = read_csv(client.get("/admin/audit.csv"))
    assert {"certificate_revoked", "user_deactivated"} <= {r[3] for r in everything[1:]}
    assert [r[0] for r in everything[1:]] == sorted((r[0] for r in everything[1:]), reverse=True)


def test_org_admin_audit_csv_stays_in_their_organisation(client, login, admin_a, audited):
    a_person, b_person = audited
    login(admin_a)
    rows = read_csv(client.get("/admin/audit.csv"))
    subjects = {r[4] for r in rows[1:]}
    assert f"user:{a_person.id}" in subjects and f"user:{b_person.id}" not in subjects
    assert "B's, reason" not in str(rows) and "Bob" not in str(rows)
    deactivated = next(r for r in rows[1:] if r[3] == "user_deactivated")
    assert deactivated[1] == "'=cmd|' /C calc'!A0"


def test_audit_page_offers_its_actions_and_links_the_filtered_csv(client, login, admin_a, audited):
    login(admin_a)
    html = client.get("/admin/audit?action=certificate_revoked").get_data(as_text=True)
    assert '<option selected value="certificate_revoked">' in html
    assert 'href="/admin/audit.csv?action=certificate_revoked"' in html
    assert "A&#39;s reason" in html and "user:" not in html
    html = client.get("/admin/audit?action=no_such_action").get_data(as_text=True)
    assert "Nothing recorded yet." in html
    assert len(read_csv(client.get("/admin/audit.csv?action=no_such_action"))) == 1


# --- the person list ---------------------------------------------------------------------


def test_people_csv_counts_tracks_under_every_filter(
    client, login, auth, admin_a, admin_b, org_a, make_user, demo_course
):
    procurement = next(d for d in org_a.departments if d.name == "Procurement")
    finance = next(d for d in org_a.departments if d.name == "Finance")
    late = make_user(org=org_a, department=procurement, name="Late Buyer")
    tracks.enrol(late, demo_course, "buyers", due_on=TODAY - timedelta(days=1))
    complete_track(late, "demo", "managers")
    calm = make_user(org=org_a, department=finance, name="Calm Buyer")
    tracks.enrol(calm, demo_course, "buyers", due_on=SOON)
    make_user(Role.TRAINER, org=org_a, name="Tia Trainer").active = False
    db.session.commit()
    login(admin_a)
    for query, names in (
        ("role=trainer", ["Tia Trainer"]),
        ("status=inactive", ["Tia Trainer"]),
        ("track=demo/buyers", ["Calm Buyer", "Late Buyer"]),
        ("track=demo/managers&progress=completed", ["Late Buyer"]),
        ("q=nobody", []),
    ):
        rows = read_csv(client.get(f"/admin/people.csv?{query}"))
        assert [r[0] for r in rows[1:]] == names, query
    for query in (f"department={procurement.id}", "progress=overdue", "q=late"):
        rows = read_csv(client.get(f"/admin/people.csv?{query}"))
        assert [r[0] for r in rows[1:]] == ["Late Buyer"], query
        assert rows[1][3:] == ["Procurement", "learner", "yes", "2", "1", "1"], query
    rows = read_csv(client.get(f"/admin/people.csv?department={finance.id}"))
    assert [r[0] for r in rows[1:]] == ["Calm Buyer"]
    assert rows[1][3:] == ["Finance", "learner", "yes", "1", "0", "0"]
    # Another organisation's admin asking for Ministry A gets their own people only.
    auth.logout()
    login(admin_b)
    rows = read_csv(client.get(f"/admin/people.csv?organisation={org_a.id}"))
    assert [r[0] for r in rows[1:]] == ["Bo Admin"]


def test_an_export_cut_short_leaves_the_database_usable(app, org_a):
    """A browser gone half-way: the export stops, and the request's rollback recovers."""
    db.session.execute(
        insert(User),
        [
            {"email": f"p{i}@example.gov", "name": f"Person {i}", "role": Role.LEARNER,
             "organisation_id": org_a.id, "session_token": "x"}
            for i in range(1500)
        ],
    )  # fmt: skip
    db.session.commit()
    chunks = exports.people_csv(Scope(None), people.PeopleFilter())
    assert next(chunks).startswith("\ufeffname,email")
    chunks.close()
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 1500
