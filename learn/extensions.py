"""Flask extensions, created unbound and initialised by the factory."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.engine import Result
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


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def rate_limit(limit_value, **options):
    """``limiter.limit``, also marking the view as one that has limits (see below)."""

    def decorate(view):
        limited = limiter.limit(limit_value, **options)(view)
        limited.has_rate_limits = True
        return limited

    return decorate


@limiter.request_filter
def _has_no_rate_limits() -> bool:
    """Spare the views without limits Flask-Limiter's work on every request.

    Only views decorated with :func:`rate_limit` are limited: the app sets no default or
    application-wide limits (the factory refuses them), so other views need no check,
    which cost about a twentieth of a signed-in page.
    """
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "has_rate_limits", False)
