"""Files trainers upload: module images, and course packages waiting to be imported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from learn.extensions import db
from learn.models.base import UTCDateTime, utcnow


class ModuleImage(db.Model):
    """A PNG or JPEG image that module text refers to as ``/media/<sha256>/<filename>``.

    Images are content-addressed: the URL names the SHA-256 of the bytes, so the same
    module text points at the same image in every database it is imported into, and an
    image never changes once stored.
    """

    __tablename__ = "module_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Hex SHA-256 of ``data``; the image's identity and the first part of its URL.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: A safe name made on upload (lowercase letters, digits, hyphens, then .png or .jpg).
    filename: Mapped[str] = mapped_column(String(120))
    #: "image/png" or "image/jpeg", from the decoded content, never from the upload's name.
    mime_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    #: The module it was uploaded for (None for images that came in a course package).
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def path(self) -> str:
        """Return the URL path that module text uses for this image."""
        return f"/media/{self.sha256}/{self.filename}"

    def __repr__(self) -> str:
        return f"<ModuleImage {self.sha256[:12]} {self.filename}>"


class ContentPackage(db.Model):
    """An uploaded course package (zip), kept between its preview and its confirmation.

    It lives in the database, not on one server's disk, so any app server can confirm it.
    """

    __tablename__ = "content_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    #: The name the file was uploaded with, shown back to the trainer only.
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set once the package has been imported (or discarded); it is then never imported again.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: "imported" or "discarded" once closed.
    outcome: Mapped[str | None] = mapped_column(String(20))

    def __repr__(self) -> str:
        return f"<ContentPackage {self.id} {self.filename!r}>"
