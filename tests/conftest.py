"""Fixtures: a fresh app and database per test, on SQLite or on PostgreSQL.

``LEARN_TEST_DATABASE_URL`` chooses the database (in-memory SQLite by default); the test
command runs the suite on both. With ``LEARN_REQUIRE_ALL=1`` a skipped test fails the run.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import MetaData
from sqlalchemy.pool import StaticPool

from learn import create_app
from learn.config import database_url_for_tests
from learn.extensions import db, limiter
from learn.models import Department, Organisation, Role, User
from learn.services import accounts

DATA = Path(__file__).parent / "data"
PASSWORD = "correct horse battery staple"


def app_config(url: str | None = None, **extra) -> dict:
    """Return the configuration every test app gets."""
    url = url or database_url_for_tests()
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": url,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SERVER_NAME": None,
    }
    if url.startswith("sqlite://") and url in ("sqlite://", "sqlite:///:memory:"):
        # One shared in-memory database for every connection of this app.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": StaticPool,
            "connect_args": {"check_same_thread": False},
        }
    config.update(extra)
    return config


def reset_database() -> None:
    """Start from an empty database: in-memory SQLite is new; a server's schema is remade."""
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        with db.engine.connect() as connection:
            # The live-version pointers make the foreign keys circular.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            reflected = MetaData()
            reflected.reflect(connection)
            for name in reflected.tables:
                connection.exec_driver_sql(f'DROP TABLE "{name}"')
            connection.commit()
        return
    db.session.remove()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The tests keep an app context pushed to use the database; without this, requests
    would share its ``g`` (and Flask-Login's cached user) and its database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # What the request wrote must be read afresh by the test.
        db.session.expire_all()
        return response


@pytest.fixture
def make_app():
    """Return a factory for an app with a fresh database; every app made is torn down."""
    made = []

    def factory(**extra):
        if made:
            # A second app on the same database: end the first one's transaction so its
            # tables can be dropped and made again.
            db.session.remove()
        app = create_app(app_config(**extra))
        app.test_client_class = FreshContextClient
        ctx = app.app_context()
        ctx.push()
        if db.engine.dialect.name != "sqlite":
            reset_database()
        db.create_all()
        made.append((app, ctx))
        return app

    yield factory
    for app, ctx in reversed(made):
        db.session.remove()
        # In-memory SQLite vanishes with its engine; a real server is emptied.
        if db.engine.dialect.name != "sqlite":
            reset_database()
        db.engine.dispose()
        if app.config["RATELIMIT_ENABLED"]:
            limiter.reset()
        ctx.pop()


@pytest.fixture
def app(make_app):
    """A fresh app and database."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client for ``app``."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``app``."""
    return app.test_cli_runner()


_counter = itertools.count(1)


@pytest.fixture
def make_org(app):
    """Return a factory for organisations (with departments)."""

    def factory(name: str | None = None, departments: tuple[str, ...] = ("Procurement",)):
        org = Organisation(name=name or f"Ministry {next(_counter)}")
        db.session.add(org)
        db.session.flush()
        for dept in departments:
            db.session.add(Department(organisation_id=org.id, name=dept))
        db.session.commit()
        return org

    return factory


@pytest.fixture
def make_user(app, make_org):
    """Return a factory for people, with a role and a known password."""

    def factory(
        role: Role | str = Role.LEARNER,
        *,
        org: Organisation | None = None,
        email: str | None = None,
        name: str = "Test Person",
        password: str = PASSWORD,
        department: Department | None = None,
    ) -> User:
        org = org or make_org()
        return accounts.create_user(
            accounts.NewAccount(
                name=name,
                email=email or f"person{next(_counter)}@example.gov",
                password=password,
                organisation_id=org.id,
                department_id=department.id if department else None,
                role=Role(role),
            )
        )

    return factory


@pytest.fixture
def demo_course(app):
    """Import the small demo course of ``tests/data/content``; return its Course row."""
    from learn.models import Course
    from learn.services.catalogue import import_path

    import_path(DATA / "content")
    return db.session.scalar(db.select(Course).where(Course.slug == "demo"))


class AuthActions:
    """Sign in and out through the real views."""

    def __init__(self, client) -> None:
        self._client = client

    def login(self, user_or_email, password: str = PASSWORD, **extra):
        email = getattr(user_or_email, "email", user_or_email)
        return self._client.post("/login", data={"email": email, "password": password, **extra})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    """Sign-in helper bound to ``client``."""
    return AuthActions(client)


def pytest_sessionfinish(session, exitstatus):
    """With LEARN_REQUIRE_ALL=1, a skipped test fails the run: a part did not run."""
    if os.environ.get("LEARN_REQUIRE_ALL") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped or session.testscollected == 0:
        if reporter:
            reporter.write_line(
                f"FAILED: {skipped} test(s) skipped or none collected; every part must run",
                red=True,
            )
        session.exitstatus = 1
