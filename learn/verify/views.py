"""Check a certificate by its code, and the issuer's public key."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from learn.core.certificate import normalise_code
from learn.extensions import rate_limit, reads_only
from learn.services import certificates

bp = Blueprint("verify", __name__)


def _limit() -> str:
    return current_app.config["VERIFY_LIMIT_PER_ADDRESS"]


@bp.route("/verify")
@rate_limit(_limit)
def form():
    """A form to type a code; a typed code goes to its verification page."""
    typed = request.args.get("code", "").strip()
    if typed:
        code = normalise_code(typed)
        # A malformed code gets the same answer as an unknown one.
        return redirect(url_for("verify.check", code=code or typed[:40]))
    return render_template("verify/form.html")


@bp.route("/verify/<code>")
@reads_only
@rate_limit(_limit)
def check(code: str):
    """Say whether a certificate is valid, expired, revoked or unknown."""
    answer = certificates.verify_code(code)
    status = 404 if answer.status == "unknown" else 200
    return render_template("verify/result.html", answer=answer, code=code), status


@bp.route("/credentials/issuer.json")
def issuer():
    """The issuer profile with the public key that signs every credential."""
    response = current_app.response_class(
        json.dumps(certificates.issuer_document(), indent=2),
        mimetype="application/json",
    )
    response.cache_control.max_age = 3600
    response.cache_control.public = True
    return response
