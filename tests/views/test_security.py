"""Headers, CSRF, rate limits, health check and the access rule of every view."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from learn.models import Role
from tests.conftest import PASSWORD


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_or_style_in_pages(client, auth, make_user, demo_course):
    auth.login(make_user())
    client.post("/learning/track", data={"track": "demo/buyers"})
    for path in ["/", "/login", "/courses", "/learning", "/courses/demo/modules/intro", "/help"]:
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and "<style" not in html, path


def test_session_cookie_is_secure_httponly_samesite_by_default(make_app, make_user):
    app = make_app(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    app.config["PREFERRED_URL_SCHEME"] = "https"
    user = make_user()
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    remember = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session, remember):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_token_is_required(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert b"Your form expired" in response.data
    # A signed-in person's POST without a token is refused too.
    response = client.post("/logout")
    assert response.status_code == 400


def test_sign_in_is_rate_limited_per_address(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    user = make_user()
    client = app.test_client()
    codes = [
        client.post(
            "/login", data={"email": f"x{i}@example.gov", "password": "wrong password!"}
        ).status_code
        for i in range(4)
    ]
    assert codes == [422, 422, 422, 429]
    # Even the right password is refused until the window passes.
    assert (
        client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
    )


def test_sign_in_is_rate_limited_per_account(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="2 per minute")
    user = make_user()
    codes = []
    for i in range(3):
        # A different address each time: the per-account limit still applies.
        client = app.test_client()
        codes.append(
            client.post(
                "/login",
                data={"email": user.email, "password": "wrong password!"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"},
            ).status_code
        )
    assert codes == [422, 422, 429]


def test_production_refuses_the_development_secret_key(tmp_path):
    from flask import Flask

    from learn.config import DEV_SECRET_KEY
    from learn.factory import _load_secret_key

    app = Flask("learn", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY=DEV_SECRET_KEY, TESTING=False, DEBUG=False)
    with pytest.raises(RuntimeError, match="secret key"):
        _load_secret_key(app)
    # A key written by `learn init` to the instance folder is a real key.
    (tmp_path / "secret_key").write_text("0123456789abcdef" * 4)
    _load_secret_key(app)
    assert app.config["SECRET_KEY"] == "0123456789abcdef" * 4


def test_healthz_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_healthz_down(app, client, monkeypatch):
    from learn.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("database is down"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


# One row per (page, role that must not reach it). Admin and authoring rules live in their
# own tests; these are the learner-side pages and the role-gated areas' front doors.
SIGNED_IN_PAGES = [
    "/learning",
    "/learning/settings",
    "/account",
    "/account/password",
    "/courses/demo/modules/intro",
    "/courses/demo/modules/intro/quiz",
]


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_anonymous_is_sent_to_sign_in(client, demo_course, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/author/", Role.LEARNER),
        ("/author/", Role.ORG_ADMIN),
        ("/admin/", Role.LEARNER),
        ("/admin/", Role.TRAINER),
    ],
)
def test_forbidden_role_pairs(client, auth, make_user, path, role):
    auth.login(make_user(role))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/author/", Role.TRAINER),
        ("/author/", Role.PLATFORM_ADMIN),
        ("/admin/", Role.ORG_ADMIN),
        ("/admin/", Role.PLATFORM_ADMIN),
    ],
)
def test_allowed_role_pairs(client, auth, make_user, path, role):
    auth.login(make_user(role))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/courses", "/help", "/accessibility", "/verify", "/healthz"]
)
def test_public_pages_need_no_account(client, demo_course, path):
    assert client.get(path).status_code == 200


def test_limits_for_every_view_are_refused(make_app):
    # Views without rate_limit() skip the limiter, so a default limit would not apply.
    with pytest.raises(RuntimeError, match="per view"):
        make_app(RATELIMIT_DEFAULT="100 per minute")


def test_views_without_limits_send_no_limit_headers(make_app, make_user):
    from learn.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True)
    # Flask-Limiter's check before every request is taken out: only limited views check.
    assert limiter._check_request_limit not in app.before_request_funcs[None]
    client = app.test_client()
    assert "X-RateLimit-Limit" not in client.get("/help").headers
    refused = client.post("/login", data={"email": "x@example.gov", "password": "wrong pass!"})
    assert "X-RateLimit-Limit" in refused.headers
