"""CSV exports: streamed, filtered, scoped, and safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import String, literal, null, select

from learn.extensions import db
from learn.services import exports, tracks
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


@pytest.mark.parametrize(
    "value",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "plain", "", " =x", "'=x", "Ωmega", "=Ω"],
)
def test_the_database_guards_formulas_as_python_does(app, value):
    guarded = db.session.scalar(select(exports.safe_column(literal(value, String))))
    assert guarded == exports.safe_cell(value)


def test_the_database_guard_leaves_null_alone(app):
    assert db.session.scalar(select(exports.safe_column(null()))) is None


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
    login(admin_a)
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
