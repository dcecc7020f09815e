"""The application factory: it wires things together and does nothing else."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

from flask import Flask, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from learn import config as config_module
from learn import fragments
from learn.errors import register_error_handlers
from learn.extensions import (
    babel,
    csrf,
    db,
    init_limiter,
    init_reads_only,
    login_manager,
    migrate,
)
from learn.headers import init_headers
from learn.logging import configure_logging
from learn.sessions import KeptCookieSessionInterface


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the application."""
    app = Flask(
        "learn",
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.root_path = str(Path(__file__).resolve().parent)
    app.config.from_object("learn.config.Defaults")
    app.config.from_prefixed_env(prefix="LEARN")
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_url(app.instance_path)
    _load_secret_key(app)
    app.session_interface = KeptCookieSessionInterface()
    configure_logging(app)
    _init_extensions(app)
    init_headers(app)
    _register_blueprints(app)
    register_error_handlers(app)
    _register_template_helpers(app)
    from learn.cli import register_commands

    register_commands(app)
    return app


def _load_secret_key(app: Flask) -> None:
    """Use the instance key when none is configured; refuse the dev key in production."""
    if app.config["SECRET_KEY"] == config_module.DEV_SECRET_KEY:
        key_file = Path(app.instance_path) / "secret_key"
        if key_file.is_file():
            app.config["SECRET_KEY"] = key_file.read_text().strip()
    if app.config["SECRET_KEY"] == config_module.DEV_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "Refusing to start without a real secret key: set LEARN_SECRET_KEY "
            "or run `learn init`, which writes one to instance/secret_key."
        )


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    init_limiter(app)
    init_reads_only(app)
    babel.init_app(app, locale_selector=_select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Sign in to see this page.")
    login_manager.login_message_category = "info"

    from learn.services.accounts import load_session_user

    login_manager.user_loader(load_session_user)
    _install_page_gettext(app)


def _install_page_gettext(app: Flask) -> None:
    """Let templates find the request's translations once, not once per string.

    Flask-Babel's template callables look the translations up again for every string (a
    chain of context lookups each time), and a page has up to a hundred strings. Here the
    translations are kept beside Flask-Babel's own per-request state for the locale they
    were found for, so a changed locale (``force_locale``, ``refresh``) finds them afresh.
    """
    from flask import g
    from flask_babel import get_translations
    from jinja2 import pass_context
    from markupsafe import Markup

    def translations():
        state = g.get("_flask_babel")
        kept = getattr(state, "learn_translations", None) if state is not None else None
        if kept is not None and kept[0] is getattr(state, "babel_locale", None):
            return kept[1]
        found = get_translations()
        state = g.get("_flask_babel")
        if state is not None:
            state.learn_translations = (getattr(state, "babel_locale", None), found)
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )

    def page_translations(context):
        # Found once per rendering: Jinja makes an evaluation context for each render
        # (macros and blocks share it), so the locale cannot change within one.
        eval_ctx = context.eval_ctx
        found = eval_ctx.__dict__.get("learn_translations")
        if found is None:
            found = eval_ctx.learn_translations = translations()
        return found

    # ``_()`` and ``ngettext()`` as Jinja's "new style" gettext makes them (translate, mark
    # safe under autoescape, then %-format with escaping), without its two extra layers of
    # context calls per string.
    @pass_context
    def gettext(__context, __string, **variables):
        rv = page_translations(__context).ugettext(__string)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    @pass_context
    def ngettext(__context, __singular, __plural, __num, **variables):
        variables.setdefault("num", __num)
        rv = page_translations(__context).ungettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            rv = Markup(rv)
        return rv % variables

    app.jinja_env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Make SQLite enforce foreign keys, wait for locks, and let readers run beside a writer."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _select_locale() -> str | None:
    """Pick the user's chosen language, else the browser's best match."""
    languages = _current_app_languages()
    user = current_user._get_current_object()
    if user is not None and user.is_authenticated and user.locale in languages:
        return user.locale
    return request.accept_languages.best_match(languages) or languages[0]


def _current_app_languages() -> list[str]:
    from flask import current_app

    return current_app.config["LANGUAGES"]


def _register_blueprints(app: Flask) -> None:
    from learn.admin.views import bp as admin_bp
    from learn.api.views import bp as api_bp
    from learn.auth.views import bp as auth_bp
    from learn.author.views import bp as author_bp
    from learn.learner.views import bp as learner_bp
    from learn.media.views import bp as media_bp
    from learn.services import certificates
    from learn.site.views import bp as site_bp
    from learn.verify.views import bp as verify_bp

    for blueprint in (site_bp, auth_bp, learner_bp, verify_bp, author_bp, admin_bp, api_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(media_bp)
    certificates.connect()


@cache
def _file_hash(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _register_template_helpers(app: Flask) -> None:
    """Give static URLs a content hash so they can be cached for a year."""

    #: filename -> content hash (None: no such file). Static files do not change under a
    #: running server, so each is looked at once; in debug mode every time, for editing.
    versions: dict[str, str | None] = {}

    @app.url_defaults
    def _static_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            filename = values["filename"]
            version = versions.get(filename, "") if not app.debug else ""
            if version == "":
                path = os.path.join(app.static_folder or "", filename)
                version = _file_hash(path, os.path.getmtime(path)) if os.path.isfile(path) else None
                versions[filename] = version
            if version:
                values["v"] = version

    @app.after_request
    def _cache_static(response):
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.max_age = 31536000
            response.cache_control.public = True
            response.cache_control.immutable = True
        return response

    from flask import g
    from flask_babel import format_date, get_locale, get_timezone
    from jinja2 import pass_eval_context

    def has_endpoint(endpoint: str) -> bool:
        return endpoint in app.view_functions

    def current_locale_code() -> str:
        # Flask-Babel keeps the locale it found for the request in ``g._flask_babel``
        # (and clears it on ``refresh``/``force_locale``); reading it there skips the
        # chain of context lookups ``get_locale`` makes on every call.
        locale = getattr(g.get("_flask_babel"), "babel_locale", None) or get_locale()
        return str(locale or app.config["BABEL_DEFAULT_LOCALE"])

    # The same few dates come back on every page; the text depends on the date and the
    # locale alone (the time zone is the app's), so each is formatted once per process.
    @lru_cache(maxsize=4096)
    def _format_date(value, locale: str) -> str:
        return format_date(value, "d MMMM yyyy")

    @pass_eval_context
    def format_date_filter(eval_ctx, value) -> str:
        # The locale and time zone are found once per rendering (see _install_page_gettext).
        found = eval_ctx.__dict__.get("learn_date_format")
        if found is None:
            found = eval_ctx.learn_date_format = (current_locale_code(), get_timezone())
        locale, zone = found
        if isinstance(value, datetime):
            # The day it was where the reader is (as Flask-Babel's to_user_timezone), so
            # the text is kept by day.
            aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
            value = zone.normalize(aware.astimezone(zone)).date()
        return _format_date(value, locale)

    app.jinja_env.filters["format_date"] = format_date_filter
    app.jinja_env.globals.update(has_endpoint=has_endpoint, current_locale_code=current_locale_code)
    fragments.init_app(app, current_locale_code)

    @app.context_processor
    def _globals() -> dict:
        return {"site_name": app.config["SITE_NAME"]}
