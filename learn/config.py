"""Configuration defaults and the environment variables that override them.

This is the only module that reads ``os.environ``: settings come from ``LEARN_*`` variables
(parsed as JSON by Flask, so booleans are ``true``/``false``), plus the conventional
``DATABASE_URL`` and ``PORT``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

#: The development key. The factory refuses to start outside debug/testing with it.
DEV_SECRET_KEY = "dev-only-not-secret"

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url(instance_path: str) -> str:
    """Return the database URL: ``DATABASE_URL`` if set, else SQLite in the instance folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants a driver too.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return "sqlite:///" + str(Path(instance_path) / "learn.db")


def port() -> int:
    """Return the port ``learn serve`` listens on."""
    return int(os.environ.get("PORT", "5000"))


def database_url_for_tests() -> str:
    """Return the database the test suite runs on (in-memory SQLite unless set)."""
    return os.environ.get("LEARN_TEST_DATABASE_URL", "sqlite://")


class Defaults:
    """Safe defaults for local use; production overrides them through the environment."""

    SECRET_KEY = DEV_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by the factory
    # No ``pool_pre_ping``: it costs a round trip to PostgreSQL on every request. A
    # connection dropped by a database restart fails one statement, and SQLAlchemy then
    # throws away every pooled connection; connections older than half an hour are
    # replaced before a server-side idle timeout or a firewall can cut them.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_recycle": 1800}

    # Cookies: HttpOnly and SameSite always; Secure unless explicitly turned off for plain
    # http on 127.0.0.1 (make run does that; behind TLS leave it on).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = 12 * 3600

    # Rate limits (Flask-Limiter). Memory unless a shared store such as redis:// is given.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = "20 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "10 per 15 minutes"
    VERIFY_LIMIT_PER_ADDRESS = "60 per minute"

    # Accounts
    REGISTRATION_OPEN = True
    PASSWORD_MIN_LENGTH = 12
    #: werkzeug method; scrypt is the current default. Tests use a cheaper one.
    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_RESET_HOURS = 48

    # Mail: no server by default; reset links are shown to the admin who made them.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "learn@localhost"

    # Language
    LANGUAGES = ["en"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")

    # Content
    CONTENT_ROOT = str(PROJECT_ROOT)
    FOUR_EYES_REVIEW = True
    #: Largest module image a trainer may upload (PNG or JPEG only).
    AUTHOR_IMAGE_MAX_BYTES = 2 * 1024 * 1024
    #: Largest course package (zip) a trainer may upload, and the most it may unpack to.
    AUTHOR_PACKAGE_MAX_BYTES = 20 * 1024 * 1024
    AUTHOR_PACKAGE_MAX_UNPACKED_BYTES = 60 * 1024 * 1024
    AUTHOR_PACKAGE_MAX_FILES = 2000

    # Help page contacts: each deployment configures its own (LEARN_HELP_CONTACTS as JSON).
    HELP_CONTACTS: list[dict] = [
        {
            "name": "Your national referral mechanism",
            "detail": "Ask your administrator to set the national referral contact for "
            "this deployment.",
        },
        {
            "name": "Police emergency number",
            "detail": "If someone is in immediate danger, call the emergency number of the "
            "country you are in.",
        },
        {
            "name": "Your organisation's whistle-blowing route",
            "detail": "Your organisation's policy names who to tell and how you are protected.",
        },
    ]

    # Seconds static files may be cached by browsers.
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    LOG_LEVEL = "INFO"
    SITE_NAME = "Learn"

    # Certificates
    #: Public address of this service, used in certificate QR codes and credentials.
    BASE_URL = "http://127.0.0.1:5000"
    #: Ed25519 signing key (PEM). Default: instance/credential-key.pem, made on first use.
    CREDENTIAL_KEY_FILE: str | None = None
