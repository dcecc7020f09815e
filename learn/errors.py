"""Error pages: 400, 403, 404, 405, 429, 500 and CSRF failures."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def handle_http_error(error: HTTPException):
    """Render a calm error page (or JSON for API clients)."""
    titles = {
        400: _("The request could not be understood"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("That action is not allowed here"),
        409: _("That has already been done"),
        413: _("The file is too large"),
        429: _("Too many attempts"),
    }
    code = error.code or 500
    title = titles.get(code, _("Sorry, there is a problem with the service"))
    if _wants_json():
        return {"error": title, "status": code}, code
    return render_template("errors/error.html", code=code, title=title, error=error), code


def handle_csrf_error(error: CSRFError):
    """Explain an expired or missing form token instead of a bare 400."""
    title = _("Your form expired or was not sent from this site")
    return render_template("errors/error.html", code=400, title=title, error=error), 400


def handle_server_error(error: Exception):
    """Show a plain 500 page without details."""
    title = _("Sorry, there is a problem with the service")
    return render_template("errors/error.html", code=500, title=title, error=None), 500


def register_error_handlers(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_server_error)
