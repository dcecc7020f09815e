"""Authoring pages, for trainers (and platform admins)."""

from __future__ import annotations

from flask import Blueprint, render_template

from learn.auth.decorators import require_roles
from learn.models import Role

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.before_request
def _trainers_only() -> None:
    """Every authoring page: trainers and platform admins only."""
    require_roles(Role.TRAINER, Role.PLATFORM_ADMIN)


@bp.route("/")
def index():
    """Courses, modules and quizzes with their state and versions."""
    return render_template("author/index.html")
