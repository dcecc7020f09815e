"""Access rules for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from learn.extensions import login_manager
from learn.models import Role


def has_role(*roles: Role) -> bool:
    """Return True if the signed-in person has one of ``roles``."""
    return current_user.is_authenticated and current_user.role in roles


def require_roles(*roles: Role) -> None:
    """Abort unless the signed-in person has one of ``roles`` (sign-in first if anonymous)."""
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if current_user.role not in roles:
        abort(403)


def role_required(*roles: Role) -> Callable:
    """Decorate a view so only people with one of ``roles`` reach it."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            require_roles(*roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator
