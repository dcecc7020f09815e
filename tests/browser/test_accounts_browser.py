"""A new person registers, signs out and signs in again, in Chromium; pages pass axe-core."""

from __future__ import annotations

import pytest

from learn.extensions import db
from learn.models import Department, Organisation
from tests.browser.conftest import check_accessibility, visit

pytestmark = pytest.mark.browser
PASSWORD = "a long and memorable passphrase"


def _seed_org():
    org = Organisation(name="Ministry of Public Works")
    db.session.add(org)
    db.session.flush()
    db.session.add(Department(organisation_id=org.id, name="Commercial"))
    db.session.commit()


def test_register_sign_out_sign_in(live_server, page):
    live_server.run(_seed_org)
    visit(page, live_server.url + "/")
    check_accessibility(page, "start page")
    page.get_by_role("link", name="Create an account").first.click()
    check_accessibility(page, "register")
    page.get_by_label("Full name").fill("Zoë Okafor")
    page.get_by_label("Work email address").fill("zoe@works.example.gov")
    page.get_by_label("Organisation").select_option(label="Ministry of Public Works")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert "Your account is ready" in page.content()
    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out" in page.content()
    check_accessibility(page, "sign in")
    page.get_by_label("Email address").fill("zoe@works.example.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    visit(page, live_server.url + "/account")
    assert "Zoë Okafor" in page.content()
    check_accessibility(page, "account")


def test_form_errors_are_summarised_and_accessible(live_server, page):
    live_server.run(_seed_org)
    visit(page, live_server.url + "/register")
    page.get_by_label("Work email address").fill("not-an-email")
    page.get_by_label("Create a password").fill("short")
    page.get_by_role("button", name="Create account").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    assert "There is a problem" in summary.inner_text()
    check_accessibility(page, "register with errors")


@pytest.mark.parametrize(
    ("path", "status"),
    [("/help", 200), ("/accessibility", 200), ("/login", 200), ("/verify", 200), ("/nope", 404)],
)
def test_public_pages_are_accessible(live_server, page, path, status):
    visit(page, live_server.url + path, status)
    check_accessibility(page, path)


def test_pages_work_at_320_pixels(live_server, page):
    page.set_viewport_size({"width": 320, "height": 640})
    visit(page, live_server.url + "/register")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    check_accessibility(page, "register at 320px")
