"""Flask extensions, created unbound and initialised by the factory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine, Result
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import Executable

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def plain(statement: Executable, params: dict | None = None) -> Result:
    """Run a read on the request's connection and return plain rows, not ORM objects.

    A select of columns run through the session costs twice what it costs on the
    connection (the ORM compiles and wraps every statement), and loading ORM objects costs
    five times as much; the learner pages only show what they read. Runs in the session's
    transaction, after flushing pending changes as the session's own reads do.
    """
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


class ReadsOnlyError(RuntimeError):
    """A view marked :func:`reads_only` tried to write."""


def reads_only(view):
    """Mark a view that only reads the database.

    Such a view's request runs outside a transaction on PostgreSQL (autocommit): under
    READ COMMITTED every statement takes its own snapshot anyway, so the BEGIN and the
    ROLLBACK around a page that writes nothing are two round trips for nothing (about a
    sixth of My learning's cost there). On every database a write from such a request is
    refused with :class:`ReadsOnlyError`, since without a transaction it would not be
    atomic, unless it is made inside :func:`writing`.
    """
    view.reads_only = True
    return view


def init_reads_only(app: Flask) -> None:
    """Open the connection of each :func:`reads_only` view's request as that view needs."""

    @app.before_request
    def _open_for_reading() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if not getattr(view, "reads_only", False):
            return
        options: dict = {"learn_reads_only": True}
        if db.engine.dialect.name == "postgresql":
            options["isolation_level"] = "AUTOCOMMIT"
        db.session.connection(execution_options=options)


@contextmanager
def writing() -> Iterator[None]:
    """Let a :func:`reads_only` view write now and then (a page that writes on a first visit).

    The reading connection goes back to the pool, so the block, and whatever the request
    does after it, runs in an ordinary transaction on a connection of its own; the block
    commits what it writes. Nothing read before is held: pass on plain values, not ORM
    objects. Outside a reading request, there is nothing to hand back.
    """
    session = db.session()
    if session.in_transaction() and session.connection().get_execution_options().get(
        "learn_reads_only"
    ):
        session.close()
    yield


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_when_reading(conn, cursor, statement, parameters, context, executemany):
    if (
        context is not None
        and (context.isinsert or context.isupdate or context.isdelete)
        and conn.get_execution_options().get("learn_reads_only")
    ):
        raise ReadsOnlyError(f"A view that only reads tried to write: {statement[:80]}")


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def rate_limit(limit_value, **options):
    """``limiter.limit`` for one view: the only kind of limit this app sets (see below)."""
    return limiter.limit(limit_value, **options)


def init_limiter(app: Flask) -> None:
    """Set up Flask-Limiter with limits on single views only.

    Flask-Limiter checks default, application-wide and blueprint limits in a hook before
    every request, while a view decorated with :func:`rate_limit` checks its own limits
    when it is called. This app sets only the latter, so the hook has nothing to do but
    costs about a twentieth of a signed-in page: it is taken out, and limits meant for
    every view, which would then silently not apply, are refused.
    """
    if app.config.get("RATELIMIT_DEFAULT") or app.config.get("RATELIMIT_APPLICATION"):
        raise RuntimeError("Set rate limits per view with learn.extensions.rate_limit.")
    limiter.init_app(app)
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:  # not there when limits are switched off
        hooks.remove(limiter._check_request_limit)
