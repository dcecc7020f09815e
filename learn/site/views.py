"""Start page, help and report a concern, accessibility statement, health check."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from learn.extensions import db, limiter, reads_only

bp = Blueprint("site", __name__)
logger = logging.getLogger(__name__)


@bp.route("/")
def home():
    """Send signed-in people to their learning; show everyone else what this is."""
    if current_user.is_authenticated and "learner.home" in current_app.view_functions:
        return redirect(url_for("learner.home"))
    return render_template("site/home.html")


@bp.route("/help")
@reads_only
def help():
    """Where to get help or report a concern; contacts are set per deployment."""
    return render_template("site/help.html", contacts=current_app.config["HELP_CONTACTS"])


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("site/accessibility.html")


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """Answer 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        logger.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
