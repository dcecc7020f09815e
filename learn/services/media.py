"""Module images: checked by content, stored by hash, served only once published.

An upload is accepted only if its bytes start like a PNG or a JPEG *and* Pillow decodes
them as that format; the name and the type the browser claims are ignored. SVG, HTML and
everything else are refused. The stored bytes are the uploaded bytes, keyed by SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import warnings
from dataclasses import dataclass

from sqlalchemy import select

from learn.core.errors import LearnError
from learn.extensions import db
from learn.models import AuditEvent, Module, ModuleImage, ModuleVersion, User, VersionState

logger = logging.getLogger(__name__)

#: The formats accepted: Pillow's format name -> (MIME type, file extension, magic bytes).
FORMATS: dict[str, tuple[str, str, bytes]] = {
    "PNG": ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
    "JPEG": ("image/jpeg", "jpg", b"\xff\xd8\xff"),
}
#: Largest image, in pixels, decoded (well under Pillow's own decompression-bomb limit).
MAX_PIXELS = 40_000_000
#: How module text refers to an image.
MEDIA_URL_RE = re.compile(r"/media/([0-9a-f]{64})/([a-z0-9][a-z0-9.-]{0,119})")
_NAME_RE = re.compile(r"[^a-z0-9]+")


class MediaError(LearnError):
    """An upload that is not an acceptable image."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ImageInfo:
    """What checking an image found."""

    mime_type: str
    extension: str
    width: int
    height: int
    sha256: str


def check_image(data: bytes, max_bytes: int) -> ImageInfo:
    """Return what ``data`` is if it is a PNG or JPEG no bigger than ``max_bytes``.

    :raises MediaError: too big, empty, or not a PNG or JPEG by its content.
    """
    if not data:
        raise MediaError("The file is empty. Choose a PNG or JPEG image.")
    if len(data) > max_bytes:
        raise MediaError(
            f"The image is {len(data) // 1024} KB; the largest allowed is {max_bytes // 1024} KB."
        )
    claimed = next((name for name, f in FORMATS.items() if data.startswith(f[2])), None)
    if claimed is None:
        raise MediaError("Only PNG and JPEG images can be uploaded (this file is neither).")
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[claimed]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise MediaError("The image has too many pixels; make it smaller.")
                image.load()
                decoded = image.format
    except MediaError:
        raise
    except Exception as exc:  # Pillow raises many kinds of error for broken files
        raise MediaError("The file could not be read as a PNG or JPEG image.") from exc
    if decoded != claimed:
        raise MediaError("Only PNG and JPEG images can be uploaded (this file is neither).")
    mime_type, extension, _ = FORMATS[claimed]
    return ImageInfo(mime_type, extension, width, height, hashlib.sha256(data).hexdigest())


def safe_filename(original: str, extension: str) -> str:
    """Return a safe file name made from an upload's name: lowercase, hyphens, our extension."""
    stem = original.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = _NAME_RE.sub("-", stem.lower()).strip("-")[:60].strip("-")
    return f"{stem or 'image'}.{extension}"


def find_image(sha256: str) -> ModuleImage | None:
    """Return the stored image with this hash, or None."""
    return db.session.scalar(select(ModuleImage).where(ModuleImage.sha256 == sha256))


def add_image(
    data: bytes,
    original_name: str,
    max_bytes: int,
    *,
    module: Module | None = None,
    actor: User | None = None,
    commit: bool = True,
) -> ModuleImage:
    """Check and store an image (once: the same bytes give back the stored image).

    :raises MediaError: the file is not an acceptable image.
    """
    info = check_image(data, max_bytes)
    existing = find_image(info.sha256)
    if existing is not None:
        return existing
    image = ModuleImage(
        sha256=info.sha256,
        filename=safe_filename(original_name, info.extension),
        mime_type=info.mime_type,
        size=len(data),
        width=info.width,
        height=info.height,
        data=data,
        module_id=module.id if module else None,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(image)
    if commit:
        db.session.add(
            AuditEvent(
                actor_id=actor.id if actor else None,
                action="image_uploaded",
                subject=f"image:{info.sha256[:12]}",
                detail={"filename": image.filename, "module_id": image.module_id},
            )
        )
        db.session.commit()
        logger.info("image uploaded sha=%s module=%s", info.sha256[:12], image.module_id)
    return image


def image_data(image: ModuleImage) -> bytes:
    """Return the bytes of a stored image."""
    return image.data


def is_published(image: ModuleImage) -> bool:
    """Return whether a published (or earlier published) module version shows ``image``.

    Learners may see only those; an image used only in drafts is for trainers.
    """
    pattern = f"%/media/{image.sha256}/%"
    found = db.session.scalar(
        select(ModuleVersion.id)
        .where(
            ModuleVersion.state.in_([VersionState.PUBLISHED, VersionState.SUPERSEDED]),
            ModuleVersion.source_text.like(pattern),
        )
        .limit(1)
    )
    return found is not None


def referenced_images(text: str) -> list[tuple[str, str]]:
    """Return the (sha256, filename) of every image URL in module text, once each, in order."""
    seen: dict[str, str] = {}
    for match in MEDIA_URL_RE.finditer(text):
        seen.setdefault(match.group(1), match.group(2))
    return list(seen.items())
