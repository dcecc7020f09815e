"""The page chrome (head links, header, footer), rendered once per kind of visitor.

Every page carries the same header and footer: a dozen links and a dozen translated
strings that depend only on the language, on whether someone is signed in and with which
role, and on where the app is mounted. Rendering them for every request cost more than
most pages' own content, so each variant is rendered once per process and kept. The one
per-request part, the sign-out form's CSRF token, is filled into the kept HTML.

In debug mode nothing is kept, so edited templates show at once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

#: Stands in for the CSRF token in kept HTML (URL-safe, so never escaped).
CSRF_PLACEHOLDER = "__csrf_token_placeholder__"
PARTS = ("head", "header", "footer")


def _variant() -> tuple:
    """Return what the chrome depends on for this request (besides the part's name)."""
    variant = g.get("_chrome_variant")
    if variant is None:
        variant = g._chrome_variant = _find_variant()
    return variant


def _find_variant() -> tuple:
    user = current_user
    signed_in = bool(user and user.is_authenticated)
    return (
        current_app.extensions["learn.chrome.locale"](),
        request.script_root,
        signed_in,
        signed_in and user.is_trainer,
        signed_in and user.is_admin,
        bool(current_app.config["REGISTRATION_OPEN"]),
    )


def site_chrome(part: str) -> Markup:
    """Return the HTML of one part of the page chrome for the current request."""
    if part not in PARTS:
        raise ValueError(f"no chrome part {part!r}")
    kept: dict = current_app.extensions["learn.chrome"]
    key = (part, *_variant())
    html = kept.get(key)
    if html is None:
        html = Markup(render_template(f"chrome/{part}.html", csrf_placeholder=CSRF_PLACEHOLDER))
        if not current_app.debug:
            kept[key] = html
    if CSRF_PLACEHOLDER in html:
        html = Markup(html.replace(CSRF_PLACEHOLDER, generate_csrf()))
    return html


def init_app(app: Flask, locale_code: Callable[[], str]) -> None:
    """Make ``site_chrome`` available to templates; ``locale_code`` names the language."""
    app.extensions["learn.chrome"] = {}
    app.extensions["learn.chrome.locale"] = locale_code
    app.jinja_env.globals["site_chrome"] = site_chrome
