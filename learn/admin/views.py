"""Administration pages, for organisation and platform admins."""

from __future__ import annotations

from flask import Blueprint, render_template

from learn.auth.decorators import require_roles
from learn.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only() -> None:
    """Every admin page: organisation admins (their organisation) and platform admins."""
    require_roles(Role.ORG_ADMIN, Role.PLATFORM_ADMIN)


@bp.route("/")
def dashboard():
    """Completion at a glance for the admin's scope."""
    return render_template("admin/dashboard.html")
