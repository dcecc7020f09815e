"""Course content as immutable versions.

A course, module or quiz has an identity row and numbered versions. A version never
changes once written: an edit, an import of a changed file or a rollback writes a new
version, and ``live_version_id`` on the identity row points at the one learners get.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learn.extensions import db
from learn.models.base import UTCDateTime, utcnow


class VersionState(enum.StrEnum):
    """Where a version is in the review workflow."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    #: An earlier published version, replaced by a later one; still readable.
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


def _state_column() -> Mapped[VersionState]:
    return mapped_column(
        Enum(
            VersionState,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=VersionState.DRAFT,
        index=True,
    )


class ReviewMixin:
    """Who changed, submitted and reviewed a draft version, and what they said."""

    #: The last person who saved the draft (drafts are edited in place until submitted).
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The author's summary of what changed, shown to the reviewer and in the history.
    change_note: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who approved (and so published) or rejected the version.
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    #: The version number this one was made from (the live one when the draft began, or the
    #: version rolled back to); None for a first version or an import.
    based_on: Mapped[int | None] = mapped_column(Integer)


class Course(db.Model):
    """A course's identity; its content lives in ``CourseVersion``."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    live_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", use_alter=True)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    live_version: Mapped[CourseVersion | None] = relationship(foreign_keys=[live_version_id])
    modules: Mapped[list[Module]] = relationship(back_populates="course")

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


class CourseVersion(ReviewMixin, db.Model):
    """One version of ``course.yml``: title, summary, sources and tracks."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    #: sha256 of the source text; an import of unchanged text writes nothing.
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[VersionState] = _state_column()
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    #: [{"id", "title", "publisher", "year", "url"}]
    sources: Mapped[list] = mapped_column(JSON)
    #: [{"slug", "title", "audience", "lenses", "certificate_validity_months", "modules"}]
    tracks: Mapped[list] = mapped_column(JSON)
    source_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(foreign_keys=[course_id])

    def __repr__(self) -> str:
        return f"<CourseVersion {self.course_id} v{self.number} {self.state}>"

    def track(self, slug: str) -> dict | None:
        """Return the track called ``slug`` in this version, or None."""
        return next((t for t in self.tracks if t["slug"] == slug), None)

    def source(self, source_id: str) -> dict | None:
        """Return the source ``source_id`` listed by this version, or None."""
        return next((s for s in self.sources if s["id"] == source_id), None)


class Module(db.Model):
    """A module's identity within a course."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    live_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", use_alter=True)
    )
    live_quiz_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_versions.id", use_alter=True)
    )

    course: Mapped[Course] = relationship(back_populates="modules")
    live_version: Mapped[ModuleVersion | None] = relationship(foreign_keys=[live_version_id])
    live_quiz_version: Mapped[QuizVersion | None] = relationship(
        foreign_keys=[live_quiz_version_id]
    )

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class ModuleVersion(ReviewMixin, db.Model):
    """One version of a module file, with its body rendered and sanitised once."""

    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[VersionState] = _state_column()
    #: The NN of the file name: the module's place in the catalogue.
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer)
    objectives: Mapped[list] = mapped_column(JSON)
    sources: Mapped[list] = mapped_column(JSON)
    content_note: Mapped[str | None] = mapped_column(Text)
    #: The rendered body as JSON (segments by lens and the table of contents).
    body_rendered: Mapped[str] = mapped_column(Text)
    source_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])

    def __repr__(self) -> str:
        return f"<ModuleVersion {self.module_id} v{self.number} {self.state}>"


class QuizVersion(ReviewMixin, db.Model):
    """One version of a module's quiz file; questions are parsed from ``source_text``."""

    __tablename__ = "quiz_versions"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[VersionState] = _state_column()
    pass_mark: Mapped[int] = mapped_column(Integer)
    question_count: Mapped[int] = mapped_column(Integer)
    source_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])

    def __repr__(self) -> str:
        return f"<QuizVersion {self.module_id} v{self.number} {self.state}>"
