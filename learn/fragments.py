"""HTML fragments kept per process: the page chrome, and parts of pages keyed on their inputs.

Some HTML depends on so little that rendering it for every request costs more than the
rest of the page. The header and footer, for instance (a dozen links and a dozen
translated strings), depend only on the language, the mount point, whether someone is
signed in and with which role, and config. Such fragments are rendered once per process
for each key and kept in a bounded map; a key must hold everything the fragment depends
on (the language and the mount point are added to every key here). Per-request values,
such as a CSRF token, are filled in after.

In debug mode nothing is kept, so edited templates show at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from flask import Flask, current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from learn.kept import Kept

#: Stands in for the CSRF token in kept HTML (URL-safe, so never escaped).
CSRF_PLACEHOLDER = "__csrf_token_placeholder__"
CHROME_PARTS = ("head", "header", "footer")


def kept_html(kind: str, key: tuple | None, render: Callable[[], str], size: int = 1024) -> Markup:
    """Return the HTML ``render()`` makes for ``key``, rendered once per process.

    ``kind`` names the map (each holds up to ``size`` fragments); ``key`` must hold
    everything the HTML depends on besides the language and the mount point. A key of
    None renders afresh and keeps nothing (for HTML of things that may still change).
    """
    if key is None:
        return Markup(render())
    return kept_htmls(kind, (key,), lambda _key: render(), size)[0]


def kept_htmls(
    kind: str, keys: Iterable[tuple], render: Callable[[tuple], str], size: int = 1024
) -> list[Markup]:
    """Return the HTML ``render(key)`` makes for each of ``keys``, as :func:`kept_html` does.

    For the many parts of one list (a card's lines): the map and the request's part of
    the key are looked up once, not once per part.
    """
    app = current_app._get_current_object()
    maps: dict[str, Kept] = app.extensions["learn.fragments"]
    kept = maps.get(kind) or maps.setdefault(kind, Kept(size))
    prefix = (_language(), request.script_root)
    keep = not app.debug
    found = []
    for key in keys:
        full_key = (*prefix, *key)
        html = kept.get(full_key)
        if html is None:
            html = Markup(render(key))
            if keep:
                kept.put(full_key, html)
        found.append(html)
    return found


def render_fragment(template: str, **context) -> str:
    """Render ``template`` for kept HTML with ``context`` and the app's Jinja globals only.

    Unlike ``render_template`` no context processors run: the person, the request and the
    session are not there to be used by mistake (kept HTML must depend on its key alone),
    and a fragment rendered many times for one page (the lines of a list) costs less.
    """
    return current_app.jinja_env.get_template(template).render(context)


def _language() -> str:
    language = g.get("_fragments_language")
    if language is None:
        language = g._fragments_language = current_app.extensions["learn.fragments.language"]()
    return language


def site_chrome(part: str) -> Markup:
    """Return the HTML of one part of the page chrome for the current request."""
    if part not in CHROME_PARTS:
        raise ValueError(f"no chrome part {part!r}")
    html = kept_html(
        "chrome",
        (part, *_visitor()),
        lambda: render_template(f"chrome/{part}.html", csrf_placeholder=CSRF_PLACEHOLDER),
    )
    return with_csrf_token(html)


def _visitor() -> tuple:
    """Return what the chrome shows differently by visitor (worked out once per request)."""
    visitor = g.get("_fragments_visitor")
    if visitor is None:
        user = current_user._get_current_object()
        signed_in = bool(user and user.is_authenticated)
        visitor = g._fragments_visitor = (
            signed_in,
            signed_in and user.is_trainer,
            signed_in and user.is_admin,
            bool(current_app.config["REGISTRATION_OPEN"]),
        )
    return visitor


def with_csrf_token(html: Markup) -> Markup:
    """Fill this session's CSRF token into kept HTML rendered with ``CSRF_PLACEHOLDER``."""
    if CSRF_PLACEHOLDER in html:
        return Markup(html.replace(CSRF_PLACEHOLDER, csrf_token()))
    return html


#: Seconds a signed CSRF token is reused for the same session. Flask-WTF signs the
#: session's token with a timestamp on every page (an HMAC and a compression); a signed
#: token stays good for WTF_CSRF_TIME_LIMIT (12 hours here), so reusing one for a few
#: minutes shortens a page's token life by at most that.
CSRF_REUSE_SECONDS = 300


def csrf_token() -> str:
    """Return Flask-WTF's signed CSRF token for this session, signed at most once a while.

    What ``flask_wtf.csrf.generate_csrf`` returns, and kept where it keeps it for the rest
    of the request, so ``csrf_token()`` in templates gives the same token.
    """
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if token is not None:
        return token
    raw = session.get(field)
    limit = config.get("WTF_CSRF_TIME_LIMIT")  # None: tokens never expire
    if raw is None or (limit is not None and limit < 10 * CSRF_REUSE_SECONDS):
        return generate_csrf()  # a new session, or tokens too short-lived to reuse
    kept: Kept = current_app.extensions["learn.fragments.csrf"]
    now = time.monotonic()
    found = kept.get(raw)
    if found is not None and now - found[1] < CSRF_REUSE_SECONDS:
        setattr(g, field, found[0])
        return found[0]
    token = generate_csrf()
    kept.put(raw, (token, now))
    return token


def init_app(app: Flask, language: Callable[[], str]) -> None:
    """Set up the kept fragments; ``language`` returns the current request's language."""
    app.extensions["learn.fragments"] = {}
    app.extensions["learn.fragments.csrf"] = Kept(4096)
    app.extensions["learn.fragments.language"] = language
    app.jinja_env.globals["site_chrome"] = site_chrome
