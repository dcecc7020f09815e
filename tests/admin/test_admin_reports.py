"""Dashboard figures on a small data set worked out by hand, and the pages that show them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from learn.extensions import db
from learn.models import Certificate, Enrolment, Module, QuizAttempt
from learn.services import learning, reports, tracks
from learn.services.reports import ReportFilter, suppress
from learn.services.scope import Scope
from tests.helpers import complete_track

TODAY = date.today()
PAST = TODAY - timedelta(days=10)
FUTURE = TODAY + timedelta(days=10)


@pytest.fixture
def data(app, demo_course, make_user, org_a, org_b):
    """Five people, worked out by hand.

    Ministry A, Procurement: a1 completed "buyers" (due in the past: not overdue);
    a2 on "buyers", due in the past, has opened a module (started, overdue).
    Ministry A, Finance: a3 on "buyers", due later, not started; a4 completed "managers".
    Ministry B: b1 on "buyers", due in the past, not started (overdue).
    """
    finance, procurement = org_a.departments
    a1 = make_user(org=org_a, department=procurement, name="A One")
    a2 = make_user(org=org_a, department=procurement, name="A Two")
    a3 = make_user(org=org_a, department=finance, name="A Three")
    a4 = make_user(org=org_a, department=finance, name="A Four")
    b1 = make_user(org=org_b, department=org_b.departments[0], name="B One")
    for person, due in ((a1, PAST), (a2, PAST), (a3, FUTURE), (b1, PAST)):
        tracks.enrol(person, demo_course, "buyers", due_on=due, origin="admin")
    complete_track(a1, "demo", "buyers")
    complete_track(a4, "demo", "managers")
    intro = db.session.scalar(select(Module).where(Module.slug == "intro"))
    learning.open_module(a2, intro)
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "b1": b1, "course": demo_course}


def figures(row):
    return (row.assigned, row.started, row.completed, row.overdue, row.percent)


def test_completion_by_organisation_and_track(data, org_a, org_b):
    report = reports.completion_report(Scope(None), ReportFilter())
    assert report.group_by == "organisation"
    by_org = {r.label: figures(r) for r in report.groups}
    assert by_org == {"Ministry A": (4, 3, 2, 1, 50), "Ministry B": (1, 0, 0, 1, 0)}
    by_track = {r.label: figures(r) for r in report.tracks}
    assert by_track == {"Buyers": (4, 2, 1, 2, 25), "Contract managers": (1, 1, 1, 0, 100)}
    assert figures(report.total) == (5, 3, 2, 2, 40)


def test_org_admin_sees_their_departments_only(data, org_a):
    report = reports.completion_report(Scope(org_a.id), ReportFilter())
    assert report.group_by == "department"
    assert {r.label: figures(r) for r in report.groups} == {
        "Finance": (2, 1, 1, 0, 50),
        "Procurement": (2, 2, 1, 1, 50),
    }
    assert figures(report.total) == (4, 3, 2, 1, 50)
    # Asking for another organisation changes nothing: the scope wins.
    other = reports.completion_report(Scope(org_a.id), ReportFilter(organisation_id=999))
    assert figures(other.total) == (4, 3, 2, 1, 50)


def test_filters_by_department_track_and_dates(data, org_a):
    course = data["course"]
    procurement = org_a.departments[1]
    report = reports.completion_report(Scope(None), ReportFilter(department_id=procurement.id))
    assert figures(report.total) == (2, 2, 1, 1, 50)
    buyers = ReportFilter(course_id=course.id, track_slug="buyers")
    assert figures(reports.completion_report(Scope(None), buyers).total) == (4, 2, 1, 2, 25)
    before = ReportFilter(date_to=TODAY - timedelta(days=1))
    assert reports.completion_report(Scope(None), before).total.completed == 0
    today = ReportFilter(date_from=TODAY, date_to=TODAY)
    assert reports.completion_report(Scope(None), today).total.completed == 2


def test_weekly_completions(data):
    weeks = reports.weekly_completions(Scope(None), ReportFilter())
    assert len(weeks) == 12
    assert weeks[-1].week_start == TODAY - timedelta(days=TODAY.weekday())
    assert weeks[-1].completions == 2
    assert sum(w.completions for w in weeks) == 2
    # A completion eleven weeks ago falls in the first week shown.
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == data["a4"].id))
    enrolment.completed_at = datetime.now(UTC) - timedelta(weeks=11)
    db.session.commit()
    weeks = reports.weekly_completions(Scope(None), ReportFilter())
    assert [weeks[0].completions, weeks[-1].completions] == [1, 1]


def test_quiz_figures(app, demo_course, make_user, org_a):
    x, y = make_user(org=org_a), make_user(org=org_a)
    intro = db.session.scalar(select(Module).where(Module.slug == "intro"))
    now = datetime.now(UTC)
    for number, person, score, passed in [
        (1, x, 50.0, False),
        (2, x, 90.0, True),
        (1, y, 80.0, True),
    ]:
        db.session.add(
            QuizAttempt(
                user_id=person.id,
                module_id=intro.id,
                quiz_version_id=intro.live_quiz_version_id,
                number=number,
                question_ids=[],
                option_orders={},
                lenses=[],
                submitted_at=now,
                score=score,
                passed=passed,
            )
        )
    db.session.commit()
    rows = reports.quiz_report(Scope(None), ReportFilter())
    assert len(rows) == 1
    row = rows[0]
    assert (row.title, row.attempts, row.people, row.average_score, row.passed) == (
        "Why buying matters",
        3,
        2,
        73.3,
        2,
    )
    assert row.attempts_per_person == 1.5 and row.pass_rate == 67
    assert reports.quiz_report(Scope(org_a.id + 100), ReportFilter()) == []


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        ([10, 7, 12], [10, 7, 12]),
        ([10, 3, 12], [None, None, 12]),
        ([10, 3, 0, 12], [10, None, None, 12]),
        ([4], [None]),
        ([5, 5], [5, 5]),
    ],
)
def test_small_counts_are_suppressed(values, shown):
    assert suppress(values) == shown


def test_reach_by_gender_and_age_with_suppression(app, demo_course, make_user, org_a):
    people = []
    for i in range(12):
        person = make_user(org=org_a)
        person.gender = "woman" if i < 6 else ("man" if i < 11 else "other")
        person.age_band = "25-34" if i < 7 else "35-44"
        people.append(person)
    db.session.commit()
    now = datetime.now(UTC)
    for i, person in enumerate(people):
        tracks.enrol(person, demo_course, "buyers")
        if i < 5 or 6 <= i < 11:  # five women and five men trained
            enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
            enrolment.completed_at = now
    db.session.commit()
    report = reports.reach_report(Scope(org_a.id), ReportFilter())
    gender = {r.key: (r.people, r.trained) for r in report.by_gender}
    assert gender["woman"] == (6, 5) and gender["man"] == (5, 5)
    assert gender["other"] == (None, None) and gender["not_answered"] == (None, None)
    age = {r.key: (r.people, r.trained) for r in report.by_age}
    assert age["25-34"] == (7, 6) and age["35-44"] == (5, None)  # four trained: hidden
    assert (report.total.people, report.total.trained) == (12, 10)


def test_reach_page_says_fewer_than_5(client, login, admin_a, make_user, org_a, demo_course):
    person = make_user(org=org_a)
    person.gender = "woman"
    db.session.commit()
    tracks.enrol(person, demo_course, "buyers")
    login(admin_a)
    html = client.get("/admin/reports/reach").get_data(as_text=True)
    assert "fewer than 5" in html
    csv = client.get("/admin/reports/reach.csv").get_data(as_text=True)
    assert "gender,woman,fewer than 5" in csv


def test_expiring_certificates(data):
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == data["a1"].id))
    assert reports.expiring_report(Scope(None), ReportFilter()) == []
    certificate.expires_on = TODAY + timedelta(days=30)
    db.session.commit()
    rows = reports.expiring_report(Scope(None), ReportFilter())
    assert [(r.group, r.track_title, r.count) for r in rows] == [("Ministry A", "Buyers", 1)]
    assert reports.expiring_report(Scope(data["b1"].organisation_id), ReportFilter()) == []


def test_dashboard_page_shows_the_figures_in_a_table_and_an_svg(
    client, login, platform_admin, data
):
    login(platform_admin)
    html = client.get("/admin/").get_data(as_text=True)
    assert html.count("<h1>") == 1
    assert (
        '<svg class="chart" role="img" aria-labelledby="chart-groups-title chart-groups-desc"'
        in html
    )
    assert '<title id="chart-groups-title">' in html
    assert "<caption>Completion by organisation</caption>" in html
    assert "Ministry A" in html and "Ministry B" in html
    assert 'style="' not in html  # the CSP forbids inline styles


def test_dashboard_filter_by_organisation_shows_departments(
    client, login, platform_admin, data, org_a
):
    login(platform_admin)
    html = client.get(f"/admin/?organisation={org_a.id}").get_data(as_text=True)
    assert "Completion by department" in html and "Procurement" in html
    assert "Ministry B" not in html.split("<h1>")[1].split("</form>")[1]


def test_report_csv_exports_apply_filters(client, login, platform_admin, data, org_a):
    login(platform_admin)
    csv = client.get("/admin/reports/groups.csv").get_data(as_text=True)
    assert (
        csv.splitlines()[0]
        == "\ufefforganisation,assigned,started,completed,overdue,percent_completed"
    )
    assert "Ministry A,4,3,2,1,50" in csv and "total,5,3,2,2,40" in csv
    csv = client.get(f"/admin/reports/groups.csv?organisation={org_a.id}").get_data(as_text=True)
    assert "Procurement,2,2,1,1,50" in csv and "Ministry B" not in csv
    assert client.get("/admin/reports/nothing.csv").status_code == 404


def test_org_admin_report_pages_show_only_their_organisation(client, login, admin_b, data):
    login(admin_b)
    for path in ("/admin/", "/admin/reports/groups.csv", "/admin/reports/tracks.csv"):
        body = client.get(path).get_data(as_text=True)
        assert "Ministry A" not in body
    csv = client.get("/admin/reports/tracks.csv").get_data(as_text=True)
    assert "total,1,0,0,1,0" in csv


def test_weekly_and_quiz_pages_render(client, login, platform_admin, data):
    login(platform_admin)
    for path in ("/admin/reports/weekly", "/admin/reports/quizzes", "/admin/reports/expiring"):
        html = client.get(path).get_data(as_text=True)
        assert html.count("<h1>") == 1
    csv = client.get("/admin/reports/weekly.csv").get_data(as_text=True)
    assert csv.count("\n") == 13


def _attempt(person, module, number, score, passed, when):
    db.session.add(
        QuizAttempt(
            user_id=person.id,
            module_id=module.id,
            quiz_version_id=module.live_quiz_version_id,
            number=number,
            question_ids=[],
            option_orders={},
            lenses=[],
            started_at=when,
            submitted_at=when,
            score=score,
            passed=passed,
        )
    )


def _live(scope):
    return {
        r.module_id: (r.attempts, r.people, r.average_score, r.passed)
        for r in reports.quiz_report(scope, ReportFilter(date_from=date(2000, 1, 1)))
    }


def _totals(scope, now):
    return {
        r.module_id: (r.attempts, r.people, r.average_score, r.passed)
        for r in reports.quiz_report(scope, ReportFilter(), now=now)
    }


def test_quiz_running_totals_match_a_live_count(app, demo_course, make_user, org_a, org_b):
    from learn.models import QuizTally

    intro, flags = (
        db.session.scalar(select(Module).where(Module.slug == slug))
        for slug in ("intro", "red-flags")
    )
    a, b = make_user(org=org_a), make_user(org=org_b)
    now = datetime.now(UTC)
    _attempt(a, intro, 1, 40.0, False, now - timedelta(days=2))
    _attempt(a, intro, 2, 85.0, True, now - timedelta(days=1))
    _attempt(b, flags, 1, 95.0, True, now - timedelta(hours=3))
    _attempt(b, intro, 1, 70.0, True, now - timedelta(minutes=1))  # too recent to total
    db.session.commit()
    assert _totals(Scope(None), now) == _live(Scope(None))
    assert db.session.scalar(select(func.sum(QuizTally.attempts))) == 3
    assert _totals(Scope(org_a.id), now) == _live(Scope(org_a.id))
    # Asking again moves nothing and counts nothing twice.
    assert reports.advance_quiz_tallies(now) == reports.advance_quiz_tallies(now)
    assert db.session.scalar(select(func.sum(QuizTally.attempts))) == 3
    # An hour later, with new attempts, the totals move forward and still agree.
    later = now + timedelta(hours=1)
    _attempt(a, flags, 1, 60.0, False, now + timedelta(minutes=30))
    db.session.commit()
    assert _totals(Scope(None), later) == _live(Scope(None))
    assert db.session.scalar(select(func.sum(QuizTally.attempts))) == 5
    assert _totals(Scope(org_b.id), later) == _live(Scope(org_b.id))
