"""An organisation admin enrols a department from a CSV and sees it on the dashboard.

Every admin page is checked with axe-core for WCAG 2.2 A and AA.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from learn.extensions import db
from learn.models import Department, Organisation, Role
from learn.services import accounts
from tests.browser.conftest import check_accessibility, visit

pytestmark = pytest.mark.browser
PASSWORD = "a long and memorable passphrase"
DUE = (date.today() + timedelta(days=60)).isoformat()


def _seed_admin() -> None:
    org = Organisation(name="Ministry of Public Works")
    db.session.add(org)
    db.session.flush()
    db.session.add(Department(organisation_id=org.id, name="Commercial"))
    db.session.commit()
    accounts.create_user(
        accounts.NewAccount(
            name="Olu Admin",
            email="admin@works.example.gov",
            password=PASSWORD,
            organisation_id=org.id,
            role=Role.ORG_ADMIN,
        )
    )


def _sign_in(page, url: str) -> None:
    visit(page, url + "/login")
    page.get_by_label("Email address").fill("admin@works.example.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


CSV = (
    "\ufeffName;Email;Department;Track;Due date\n"
    f"Amina Diallo;amina@works.example.gov;Commercial;buyers;{DUE}\n"
    f"Zoë Okafor;zoe@works.example.gov;Commercial;buyers;{DUE}\n"
    f'"Nguyễn, Lan";lan@works.example.gov;Commercial;buyers;{DUE}\n'
    "Bad Row;not-an-email;Commercial;buyers;\n"
)


def test_admin_enrols_a_department_from_csv_and_sees_it(seed_demo, page):
    live = seed_demo
    live.run(_seed_admin)
    _sign_in(page, live.url)
    page.get_by_role("link", name="Administration").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Completion dashboard"
    check_accessibility(page, "dashboard, empty")

    page.get_by_role("navigation", name="Administration").get_by_role("link", name="People").click()
    check_accessibility(page, "people")
    page.get_by_role("link", name="Import people from a CSV file").click()
    check_accessibility(page, "import")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "commercial.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Check the file").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check the import"
    bad = page.locator("#bad-rows")
    assert "the email address is not valid" in bad.inner_text()
    assert "5" in bad.locator("tbody th").first.inner_text()
    check_accessibility(page, "import preview")

    # All or nothing: with a bad row, nothing is imported unless asked.
    page.get_by_role("button", name="Import these people").click()
    assert "Nothing was imported" in page.content()
    page.get_by_label("Import only the good rows").check()
    page.get_by_role("button", name="Import these people").click()
    assert page.get_by_role("heading", level=1).inner_text() == "People imported"
    assert page.locator("code.link-text").count() == 3
    check_accessibility(page, "links")

    page.get_by_role("link", name="Zoë Okafor").click()
    assert "Commercial and procurement staff" in page.content() or "Buyers" in page.content()
    check_accessibility(page, "person")

    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Dashboard"
    ).click()
    table = page.locator("#table-groups")
    row = table.locator("tbody tr", has_text="Commercial")
    assert row.locator("td").first.inner_text() == "3"  # three assigned
    assert page.locator("svg.chart").count() == 2
    check_accessibility(page, "dashboard with the department")

    for name, label in [
        ("Over time", "completions over time"),
        ("Quizzes", "quizzes"),
        ("Reach by gender and age", "reach"),
        ("Expiring certificates", "expiring"),
    ]:
        page.get_by_role("navigation", name="Reports").get_by_role("link", name=name).click()
        check_accessibility(page, label)

    admin_nav = page.get_by_role("navigation", name="Administration")
    for name in ("Assignments", "Certificates", "Audit log", "API tokens"):
        admin_nav.get_by_role("link", name=name).click()
        check_accessibility(page, name)

    visit(page, live.url + "/admin/people/new")
    check_accessibility(page, "add a person")
    page.get_by_role("button", name="Add person").click()
    assert page.locator(".error-summary").is_visible()
    check_accessibility(page, "add a person with errors")


def test_certificate_page_and_token_are_accessible(seed_demo, page):
    live = seed_demo
    live.run(_seed_admin)

    def complete():
        from learn.services.accounts import find_user
        from tests.helpers import complete_track

        learner = accounts.create_user(
            accounts.NewAccount(
                name="Lea Learner",
                email="lea@works.example.gov",
                password=PASSWORD,
                organisation_id=find_user("admin@works.example.gov").organisation_id,
            )
        )
        complete_track(learner, "demo", "buyers")

    live.run(complete)
    _sign_in(page, live.url)
    visit(page, live.url + "/admin/certificates")
    page.locator("table.data tbody th a").first.click()
    check_accessibility(page, "certificate")
    page.get_by_label("Reason for revoking").fill("Issued to the wrong person")
    page.get_by_role("button", name="Revoke").click()
    assert "has been revoked" in page.content()
    check_accessibility(page, "revoked certificate")
    visit(page, live.url + "/admin/api-tokens")
    page.get_by_label("Name", exact=True).fill("HR nightly")
    page.get_by_role("button", name="Make token").click()
    assert page.locator("#new-token").inner_text().startswith("lrn_")
    check_accessibility(page, "token made")
