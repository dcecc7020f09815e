"""Course packages: a zip laid out as ``courses/`` and ``quizzes/``, exported and imported.

Export writes the live version of every file, byte for byte, so exporting and importing
into an empty database gives back the same versions (the same content hashes). Module
images travel as ``courses/<course>/media/<sha256>/<filename>``, the path their URL names.

Import is two steps, because a trainer must see what will change before it does: the
upload is checked and kept in the database (:class:`~learn.models.ContentPackage`), its
preview is :func:`learn.services.catalogue.plan_import` over the unpacked files, and
confirming imports everything or nothing. A zip is refused when it is not a zip, holds a
path that climbs out of the package (``..``, absolute, backslashes), a link, too many
files, more bytes unpacked than allowed, text that is not UTF-8, or a file outside
``courses/`` and ``quizzes/``. With the four-eyes rule on, someone other than the uploader
confirms.
"""

from __future__ import annotations

import hashlib
import io
import logging
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import select

from learn.content.loader import load_tree
from learn.core.course import Course as CoreCourse
from learn.core.errors import ContentError, ContentErrors, LearnError
from learn.core.quiz import Quiz as CoreQuiz
from learn.extensions import db
from learn.models import (
    AuditEvent,
    ContentPackage,
    Course,
    Module,
    ModuleImage,
    Person,
    QuizVersion,
)
from learn.models.base import utcnow
from learn.services import catalogue, media
from learn.services.authoring import is_four_eyes

logger = logging.getLogger(__name__)

#: Every file of an export gets this time, so the same content gives the same zip.
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
_TOP_FOLDERS = ("courses", "quizzes")


class PackageError(LearnError):
    """A package that cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str], status: int = 400) -> None:
        super().__init__(problems)
        self.problems = problems
        self.status = status

    def __str__(self) -> str:
        return "\n".join(self.problems)


# --- export --------------------------------------------------------------------------------


def _add(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    archive.writestr(info, data)


def export_files(course: Course) -> dict[str, bytes]:
    """Return the files of the live version of ``course``, by path in the package."""
    live = course.live_version
    if live is None:
        return {}
    files = {f"courses/{course.slug}/course.yml": live.source_text.encode("utf-8")}
    modules = db.session.scalars(
        select(Module).where(
            Module.course_id == course.id,
            Module.live_version_id.is_not(None),
            Module.live_quiz_version_id.is_not(None),
        )
    ).all()
    wanted: dict[str, str] = {}
    for module in modules:
        version = module.live_version
        quiz: QuizVersion = module.live_quiz_version
        files[f"courses/{course.slug}/{version.position:02d}-{module.slug}.md"] = (
            version.source_text.encode("utf-8")
        )
        files[f"quizzes/{course.slug}/{module.slug}.yml"] = quiz.source_text.encode("utf-8")
        for sha, name in media.referenced_images(version.source_text):
            wanted.setdefault(sha, name)
    if wanted:
        images = db.session.scalars(
            select(ModuleImage).where(ModuleImage.sha256.in_(list(wanted)))
        ).all()
        for image in images:
            name = wanted[image.sha256]
            files[f"courses/{course.slug}/media/{image.sha256}/{name}"] = image.data
    return files


def export_course_zip(course_slug: str) -> bytes | None:
    """Return the live version of a course as a zip of ``courses/`` and ``quizzes/``.

    None when there is no live course ``course_slug``.
    """
    course = catalogue.find_course(course_slug)
    if course is None:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(export_files(course).items()):
            _add(archive, name, data)
    logger.info("course exported %s", course_slug)
    return buffer.getvalue()


# --- reading a package ---------------------------------------------------------------------


@dataclass
class Package:
    """The checked contents of a zip: text files and images, by path in the package."""

    texts: dict[str, str] = field(default_factory=dict)
    images: dict[str, bytes] = field(default_factory=dict)


def _limits() -> tuple[int, int, int]:
    config = current_app.config
    return (
        int(config["AUTHOR_PACKAGE_MAX_UNPACKED_BYTES"]),
        int(config["AUTHOR_PACKAGE_MAX_FILES"]),
        int(config["AUTHOR_IMAGE_MAX_BYTES"]),
    )


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """Return the parts of a zip entry name, or None if it could leave the package."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    path = PurePosixPath(name)
    parts = tuple(p for p in path.parts if p != ".")
    if not parts or any(p == ".." or ":" in p for p in parts):
        return None
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def read_package(data: bytes) -> Package:
    """Check a zip and return its files.

    One top folder around ``courses/`` and ``quizzes/`` (as when a folder is zipped) is
    allowed and left out; hidden files and ``__MACOSX`` are skipped.

    :raises PackageError: with every problem found.
    """
    max_unpacked, max_files, max_image = _limits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise PackageError(["The file is not a zip archive."]) from None
    problems: list[str] = []
    with archive:
        infos = archive.infolist()
        if len(infos) > max_files:
            raise PackageError([f"The zip holds {len(infos)} files; at most {max_files} allowed."])
        declared = sum(i.file_size for i in infos)
        if declared > max_unpacked:
            raise PackageError(
                [f"The zip unpacks to {declared // 1024} KB; at most {max_unpacked // 1024} KB."]
            )
        entries: list[tuple[zipfile.ZipInfo, tuple[str, ...]]] = []
        for info in infos:
            parts = _safe_parts(info.filename)
            if parts is None:
                problems.append(f"{info.filename}: a path outside the package is not allowed.")
                continue
            if _is_link(info):
                problems.append(f"{info.filename}: links are not allowed in a package.")
                continue
            if info.flag_bits & 0x1:
                problems.append(f"{info.filename}: encrypted files are not allowed.")
                continue
            if info.is_dir() or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
                continue
            entries.append((info, parts))
        tops = {parts[0] for _, parts in entries}
        if len(tops) == 1 and not tops & set(_TOP_FOLDERS):
            entries = [(i, p[1:]) for i, p in entries if len(p) > 1]
        package = Package()
        total = 0
        for info, parts in entries:
            name = "/".join(parts)
            if parts[0] not in _TOP_FOLDERS or len(parts) < 3:
                problems.append(
                    f"{name}: unexpected file, expected only courses/<course>/... "
                    "and quizzes/<course>/..."
                )
                continue
            with archive.open(info) as handle:
                # Read no more than the limit, whatever the zip claims the size is.
                content = handle.read(max_unpacked - total + 1)
            total += len(content)
            if total > max_unpacked:
                raise PackageError([f"The zip unpacks to more than {max_unpacked // 1024} KB."])
            if parts[0] == "courses" and len(parts) == 5 and parts[2] == "media":
                if problem := _media_problem(parts[3], content, max_image):
                    problems.append(f"{name}: {problem}")
                package.images[name] = content
            elif name.endswith((".md", ".yml", ".yaml")):
                try:
                    package.texts[name] = content.decode("utf-8-sig")
                except UnicodeDecodeError:
                    problems.append(f"{name}: not UTF-8 text, expected a UTF-8 file.")
            else:
                problems.append(
                    f"{name}: unexpected file; images go in courses/<course>/media/<sha256>/"
                )
    if not package.texts and not problems:
        problems.append("The zip holds no course files, expected courses/<course>/course.yml.")
    if problems:
        raise PackageError(problems)
    return package


def _media_problem(sha256: str, content: bytes, max_bytes: int) -> str | None:
    """Return what is wrong with an image stored under the folder ``sha256``, or None."""
    try:
        info = media.check_image(content, max_bytes)
    except media.MediaError as exc:
        return exc.message
    if info.sha256 != sha256:
        return "the folder name is not the SHA-256 of the image."
    return None


@dataclass(frozen=True)
class LoadedPackage:
    """A package read into core objects, ready to preview or import."""

    tree: list[tuple[CoreCourse, dict[str, CoreQuiz]]]
    images: dict[str, tuple[str, bytes]]  # sha256 -> (filename, bytes)


def load_package(data: bytes) -> LoadedPackage:
    """Check and load a package with the same loader as ``learn content check``.

    :raises PackageError: the zip or a file in it has a problem (each as file:line: message).
    """
    package = read_package(data)
    with tempfile.TemporaryDirectory(prefix="learn-package-") as folder:
        root = Path(folder)
        for name, text in package.texts.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            tree = load_tree(root)
        except ContentErrors as exc:
            raise PackageError([_relative(e, root) for e in exc.errors]) from exc
    images = {}
    for name, content in package.images.items():
        parts = name.split("/")
        images[parts[3]] = (parts[4], content)
    missing = _missing_images(tree, images, "package")
    if missing:
        raise PackageError([_relative(e, root) for e in missing])
    return LoadedPackage(tree, images)


def _missing_images(tree, images: dict, where: str) -> list[ContentError]:
    """Return a problem for each image a module shows that is neither in ``images`` (by
    SHA-256) nor on this site."""
    missing = []
    for course, _ in tree:
        for module in course.modules:
            for sha, _name in media.referenced_images(module.source_text):
                if sha not in images and media.find_image(sha) is None:
                    missing.append(
                        ContentError(
                            module.path,
                            None,
                            f"the image /media/{sha[:12]}... is neither in the {where} "
                            "nor on this site.",
                        )
                    )
    return missing


def _add_images(images: dict[str, tuple[str, bytes]], actor: Person | None) -> None:
    """Store the images not on this site yet (in the caller's transaction)."""
    max_image = _limits()[2]
    for sha, (name, content) in sorted(images.items()):
        if media.find_image(sha) is None:
            media.add_image(content, name, max_image, actor=actor, commit=False)


def import_folder(root: Path, actor: Person | None = None) -> catalogue.ImportReport:
    """Import a content folder, all or nothing, with the images its modules show.

    Images go in ``courses/<course>/media/<sha256>/<filename>`` as in an exported package,
    and are checked the same way (PNG or JPEG by content, size, the folder named by the
    image's SHA-256); an image a module shows must be there or already on this site.

    :raises ContentErrors: a file or an image has a problem; nothing is written.
    """
    tree = load_tree(root)
    max_image = _limits()[2]
    images: dict[str, tuple[str, bytes]] = {}
    problems: list[ContentError] = []
    for path in sorted((root / "courses").glob("*/media/*/*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        sha, name, content = path.parent.name, path.name, path.read_bytes()
        if problem := _media_problem(sha, content, max_image):
            problems.append(ContentError(str(path), None, problem))
        else:
            images[sha] = (name, content)
    problems += _missing_images(tree, images, "folder")
    if problems:
        raise ContentErrors(problems)
    try:
        _add_images(images, actor)
        # import_tree commits the images with the content, or rolls it all back.
        return catalogue.import_tree(tree, actor)
    except Exception:
        db.session.rollback()
        raise


def _relative_path(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def _relative(error: ContentError, root: Path) -> str:
    return str(ContentError(_relative_path(error.path, root), error.line, error.message))


# --- upload, preview, confirm --------------------------------------------------------------


def upload_package(data: bytes, filename: str, actor: Person) -> ContentPackage:
    """Keep an uploaded package until it is confirmed or discarded.

    :raises PackageError: the upload is not a zip (its contents are checked by the preview).
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise PackageError(["The file is not a zip archive."])
    package = ContentPackage(
        sha256=hashlib.sha256(data).hexdigest(),
        filename=(filename or "package.zip")[:200],
        size=len(data),
        data=data,
        uploaded_by_id=actor.id,
    )
    db.session.add(package)
    db.session.flush()
    db.session.add(
        AuditEvent(
            actor_id=actor.id,
            action="package_uploaded",
            subject=f"package:{package.id}",
            detail={"filename": package.filename, "sha256": package.sha256},
        )
    )
    db.session.commit()
    logger.info("package uploaded id=%s by user=%s", package.id, actor.id)
    return package


def get_package(package_id: int) -> ContentPackage | None:
    """Return an uploaded package, or None."""
    return db.session.get(ContentPackage, package_id)


def open_packages() -> list[ContentPackage]:
    """Return the packages waiting to be confirmed, newest first."""
    return list(
        db.session.scalars(
            select(ContentPackage)
            .where(ContentPackage.closed_at.is_(None))
            .order_by(ContentPackage.uploaded_at.desc())
        )
    )


@dataclass(frozen=True)
class Preview:
    """What confirming a package would do, or why it cannot be imported."""

    report: catalogue.ImportReport | None
    new_images: int
    problems: list[str]


def preview_package(package: ContentPackage) -> Preview:
    """Return what importing ``package`` would change (nothing is written)."""
    try:
        loaded = load_package(package.data)
    except PackageError as exc:
        return Preview(None, 0, exc.problems)
    report = catalogue.plan_import(loaded.tree)
    new_images = sum(1 for sha in loaded.images if media.find_image(sha) is None)
    return Preview(report, new_images, [])


def can_confirm(package: ContentPackage, actor: Person) -> bool:
    """Return whether ``actor`` may confirm ``package`` under the four-eyes rule."""
    return not is_four_eyes() or package.uploaded_by_id != actor.id


def confirm_package(package: ContentPackage, actor: Person) -> catalogue.ImportReport:
    """Import a previewed package, all or nothing; changed files become live versions.

    :raises PackageError: the package is closed (409), the four-eyes rule forbids it (403),
        or a file has a problem (400); nothing is written then.
    """
    if package.closed_at is not None:
        raise PackageError(["This package has already been imported or discarded."], 409)
    if not can_confirm(package, actor):
        raise PackageError(
            ["You uploaded this package, so another trainer must confirm the import."], 403
        )
    loaded = load_package(package.data)
    try:
        _add_images(loaded.images, actor)
        db.session.flush()
        package.closed_at = utcnow()
        package.closed_by_id = actor.id
        package.outcome = "imported"
        db.session.add(
            AuditEvent(
                actor_id=actor.id,
                action="package_imported",
                subject=f"package:{package.id}",
                detail={"filename": package.filename, "uploaded_by": package.uploaded_by_id},
            )
        )
        # import_tree commits everything above with the content, or rolls it all back.
        report = catalogue.import_tree(loaded.tree, actor)
    except Exception:
        db.session.rollback()
        raise
    logger.info("package imported id=%s by user=%s: %s", package.id, actor.id, report.summary())
    return report


def discard_package(package: ContentPackage, actor: Person) -> None:
    """Close a package without importing it."""
    if package.closed_at is not None:
        return
    package.closed_at = utcnow()
    package.closed_by_id = actor.id
    package.outcome = "discarded"
    db.session.add(
        AuditEvent(
            actor_id=actor.id,
            action="package_discarded",
            subject=f"package:{package.id}",
            detail={"filename": package.filename},
        )
    )
    db.session.commit()
