"""Reporting API: people with assignments and completions, and certificates.

Read-only JSON for HR systems. Every request needs ``Authorization: Bearer <token>``; a
token reads its own organisation (or all, for a platform-wide token). Lists are paginated
with a cursor: follow ``next`` until it is null.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, g, jsonify, request, url_for

from learn.services import api_tokens, reports
from learn.services.scope import scope_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


@bp.before_request
def _token_required():
    """Every API request: a valid, unrevoked bearer token, else 401 JSON."""
    token = api_tokens.authenticate(request.headers.get("Authorization"))
    if token is None:
        response = jsonify(error="A valid API token is required.", status=401)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="learn"'
        return response
    g.api_scope = scope_for_token(token)
    return None


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _paging() -> tuple[int, int]:
    after = max(0, request.args.get("after", 0, type=int) or 0)
    limit = request.args.get("limit", DEFAULT_LIMIT, type=int) or DEFAULT_LIMIT
    return after, min(max(1, limit), MAX_LIMIT)


def _page(endpoint: str, rows: list, next_after: int | None, **extra):
    after, limit = _paging()
    link = url_for(endpoint, after=next_after, limit=limit, **extra) if next_after else None
    return jsonify(data=[asdict(r) for r in rows], next=link, limit=limit)


@bp.route("/people")
def people():
    """People in the token's scope with their tracks (due, started, completed, overdue)."""
    after, limit = _paging()
    rows, next_after = reports.api_people(g.api_scope, after=after, limit=limit)
    return _page("api.people", rows, next_after)


@bp.route("/certificates")
def certificates():
    """Certificates in the token's scope; ``status`` = valid, expired, revoked or expiring."""
    after, limit = _paging()
    status = request.args.get("status") or None
    if status not in (None, "valid", "expired", "revoked", "expiring"):
        return jsonify(error="status must be valid, expired, revoked or expiring", status=400), 400
    rows, next_after = reports.api_certificates(g.api_scope, status, after=after, limit=limit)
    extra = {"status": status} if status else {}
    return _page("api.certificates", rows, next_after, **extra)
