"""Reporting-API tokens: made and revoked by admins, stored only as a sha256 hash.

A token reads the data of one organisation; a platform admin may make one that reads all
of them. The token is shown once when made; afterwards only its prefix is shown.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from learn.extensions import db
from learn.models import ApiToken, AuditEvent, Organisation, Person, Role
from learn.models.base import utcnow
from learn.services.scope import Scope

logger = logging.getLogger(__name__)

#: Every token starts with this, so a leaked one is easy to recognise (and to scan for).
TOKEN_PREFIX = "lrn_"
#: How often ``last_used_at`` is written: not on every request.
TOUCH_EVERY = timedelta(minutes=5)


class TokenError(Exception):
    """A token request that cannot be done; ``code`` says why."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row, and the secret shown once."""

    token: ApiToken
    secret: str


def create_token(actor: Person, scope: Scope, name: str, organisation_id: int | None) -> NewToken:
    """Make a token for ``organisation_id`` (None: every organisation, platform admins only)."""
    name = name.strip()
    if not name:
        raise TokenError("name_required")
    if organisation_id is None and actor.role != Role.PLATFORM_ADMIN:
        raise TokenError("all_needs_platform_admin", 403)
    if organisation_id is not None:
        if not scope.allows(organisation_id):
            raise TokenError("organisation_not_yours", 403)
        if db.session.get(Organisation, organisation_id) is None:
            raise TokenError("unknown_organisation", 404)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name[:120],
        token_hash=hash_token(secret),
        prefix=secret[:12],
        organisation_id=organisation_id,
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    db.session.add(
        AuditEvent(
            actor_id=actor.id,
            action="api_token_created",
            subject=f"organisation:{organisation_id}" if organisation_id else "organisations:all",
            detail={"token": token.id, "prefix": token.prefix, "name": token.name},
        )
    )
    db.session.commit()
    logger.info("api token created id=%s org=%s by=%s", token.id, organisation_id, actor.id)
    return NewToken(token, secret)


def list_tokens(scope: Scope) -> list[ApiToken]:
    """Return the tokens inside ``scope``, newest first."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if not scope.is_all:
        query = query.where(ApiToken.organisation_id == scope.organisation_id)
    return list(db.session.scalars(query))


def get_token(scope: Scope, token_id: int) -> ApiToken:
    """Return a token inside ``scope``; 404 otherwise."""
    token = db.session.get(ApiToken, token_id)
    if token is None or (not scope.is_all and token.organisation_id != scope.organisation_id):
        raise TokenError("not_found", 404)
    return token


def revoke_token(actor: Person, token: ApiToken) -> None:
    """Revoke a token: it stops working at once."""
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    db.session.add(
        AuditEvent(
            actor_id=actor.id,
            action="api_token_revoked",
            subject=f"organisation:{token.organisation_id}"
            if token.organisation_id
            else "organisations:all",
            detail={"token": token.id, "prefix": token.prefix},
        )
    )
    db.session.commit()
    logger.info("api token revoked id=%s by=%s", token.id, actor.id)


def authenticate(header: str | None) -> ApiToken | None:
    """Return the live token named by an ``Authorization: Bearer ...`` header, or None."""
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    if token is None or token.revoked_at is not None:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        db.session.commit()
    return token
