"""Reporting-API tokens: created and revoked by admins, stored only as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learn.extensions import db
from learn.models.base import UTCDateTime, utcnow


class ApiToken(db.Model):
    """A bearer token for the read-only reporting API."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What the token is for, e.g. "HR system nightly sync".
    name: Mapped[str] = mapped_column(String(120))
    #: sha256 of the token, hex; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The first characters of the token, so admins can tell tokens apart.
    prefix: Mapped[str] = mapped_column(String(16))
    #: The organisation whose data the token reads; None means every organisation
    #: (only platform admins may create such a token).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()  # noqa: F821
    created_by: Mapped[User | None] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
