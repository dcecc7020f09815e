"""Registration, sign-in, sign-out, passwords and redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from learn.extensions import db
from learn.models import PasswordReset, User
from learn.services import accounts
from tests.conftest import PASSWORD


def register(client, org, **overrides):
    data = {
        "name": "Amina Diallo",
        "email": "amina@example.gov",
        "organisation": org.id,
        "department": 0,
        "job_role": "Category buyer",
        "track": "",
        "password": PASSWORD,
        "confirm": PASSWORD,
    }
    data.update(overrides)
    return client.post("/register", data=data)


def test_register_creates_learner_and_signs_in(client, make_org):
    org = make_org("Ministry of Health")
    response = register(client, org)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "amina@example.gov"))
    assert user.name == "Amina Diallo" and user.role == "learner"
    assert user.password_hash.startswith("pbkdf2:") and PASSWORD not in user.password_hash
    assert client.get("/account").status_code == 200


def test_register_stores_email_lowercased_and_refuses_duplicate(client, make_org):
    org = make_org()
    register(client, org, email="Amina@Example.GOV")
    client.post("/logout")
    response = register(client, org, email="amina@example.gov")
    assert response.status_code == 422
    assert b"already exists" in response.data
    assert db.session.scalar(select(db.func.count(User.id))) == 1


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", b"at least 12 characters"),
        ("password1234", b"common passwords"),
        ("aaaaaaaaaaaaaa", b"different characters"),
        ("Q1w2e3r4t5y6", b"common passwords"),
        ("qazwsxedcrfv", b"common passwords"),
    ],
)
def test_register_refuses_weak_passwords(client, make_org, password, message):
    response = register(client, make_org(), password=password, confirm=password)
    assert response.status_code == 422
    assert message in response.data
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_register_refuses_department_of_another_organisation(client, make_org):
    mine, other = make_org(), make_org()
    response = register(client, mine, department=other.departments[0].id)
    assert response.status_code == 422
    assert db.session.scalar(select(db.func.count(User.id))) == 0


def test_register_shows_error_summary_linking_to_fields(client, make_org):
    response = register(client, make_org(), email="not-an-email", name="")
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert 'href="#email"' in html and 'href="#name"' in html
    assert 'aria-invalid="true"' in html


def test_login_and_logout(client, auth, make_user):
    user = make_user()
    response = auth.login(user)
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    auth.logout()
    assert client.get("/account").status_code == 302


def test_login_wrong_password_says_nothing_about_the_account(client, auth, make_user):
    user = make_user()
    wrong = auth.login(user, "not the password at all")
    unknown = auth.login("nobody@example.gov", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422
    assert b"email address or password is not right" in wrong.data
    assert b"email address or password is not right" in unknown.data


def test_deactivated_person_cannot_sign_in(client, auth, make_user):
    user = make_user()
    user.active = False
    db.session.commit()
    assert auth.login(user).status_code == 422


def test_logout_needs_post(client, auth, make_user):
    auth.login(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "",
    ],
)
def test_next_redirect_never_leaves_the_site(client, make_user, target):
    user = make_user()
    response = client.post(
        "/login?next=" + target, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_redirect_to_a_local_page(client, make_user):
    user = make_user()
    response = client.post(
        "/login?next=/account/password", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/password"


def test_protected_page_sends_anonymous_to_login_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_change_password_signs_out_other_sessions(app, client, auth, make_user):
    user = make_user()
    other = app.test_client()
    AuthActionsFor(other).login(user)
    auth.login(user)
    new = "a much longer new passphrase"
    response = client.post(
        "/account/password", data={"current": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    auth.logout()
    assert auth.login(user, new).status_code == 302


def test_change_password_refuses_wrong_current(client, auth, make_user):
    auth.login(make_user())
    new = "a much longer new passphrase"
    response = client.post(
        "/account/password", data={"current": "wrong one here", "password": new, "confirm": new}
    )
    assert response.status_code == 422 and b"current password is not right" in response.data


def test_password_reset_link_works_once_and_expires(app, client, make_user):
    user = make_user()
    token = accounts.issue_password_reset(user, created_by=None)
    assert client.get(f"/reset/{token}").status_code == 200
    new = "another long passphrase"
    response = client.post(f"/reset/{token}", data={"password": new, "confirm": new})
    assert response.status_code == 302
    assert client.get(f"/reset/{token}").status_code == 404
    assert accounts.authenticate(user.email, new) is not None
    # The database holds only a hash of the token.
    assert token not in {r.token_hash for r in db.session.scalars(select(PasswordReset))}


def test_expired_reset_link_is_refused(client, make_user):
    from datetime import timedelta

    from learn.models.base import utcnow

    user = make_user()
    token = accounts.issue_password_reset(user, created_by=None)
    reset = db.session.scalar(select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(f"/reset/{token}").status_code == 404
    assert (
        client.post(f"/reset/{token}", data={"password": "x" * 20, "confirm": "x" * 20}).status_code
        == 404
    )


def test_remember_me_sets_a_persistent_cookie(client, auth, make_user):
    response = auth.login(make_user(), remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    assert any(c.startswith("remember_token=") for c in cookies)


class AuthActionsFor:
    def __init__(self, client):
        self.client = client

    def login(self, user):
        return self.client.post("/login", data={"email": user.email, "password": PASSWORD})
