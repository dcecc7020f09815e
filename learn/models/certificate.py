"""Completion certificates."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learn.extensions import db
from learn.models.base import UTCDateTime, utcnow


class Certificate(db.Model):
    """A certificate for a completed track; what it says is fixed when it is issued."""

    __tablename__ = "certificates"
    #: Issue 1 is made automatically on completion; the constraint makes that happen once.
    __table_args__ = (
        UniqueConstraint("completion_id", "issue_number"),
        Index("ix_certificates_org_issued", "organisation_id", "issued_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The verification code, e.g. "7K2M-9QXR-...": 100 random bits.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    completion_id: Mapped[int] = mapped_column(ForeignKey("track_completions.id"))
    issue_number: Mapped[int] = mapped_column(Integer, default=1)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    track_slug: Mapped[str] = mapped_column(String(80), index=True)
    learner_name: Mapped[str] = mapped_column(String(200))
    track_title: Mapped[str] = mapped_column(String(300))
    course_title: Mapped[str] = mapped_column(String(300))
    #: The course version number the track was completed on.
    course_version: Mapped[int] = mapped_column(Integer)
    #: The organisation's name when issued.
    issuer: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])  # noqa: F821
    organisation: Mapped[Organisation] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Certificate {self.code} user={self.user_id}>"
