"""Authoring: drafts, review, publication, rollback and comparison of content versions.

Courses, modules and quizzes ("items") share one workflow. A draft is a new version in
state ``draft``; until it is published it may be edited in place. Submitting puts it
``in_review``; another trainer (or an admin) approves it, which publishes it through
:func:`learn.services.catalogue.set_live` (the previous live version is superseded), or
rejects it with a note. With ``FOUR_EYES_REVIEW`` on, nobody may approve a draft they
created, changed or submitted. Every stored version is a valid file: text is checked with
the same loader as ``learn content check`` before it is saved, and again before it is
published. Each step writes an :class:`~learn.models.AuditEvent`.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from learn.content.loader import parse_course_text, parse_module_text, parse_quiz_text
from learn.content.writer import course_data, emit_yaml
from learn.core.course import Course as CoreCourse
from learn.core.course import Module as CoreModule
from learn.core.course import content_hash, is_slug
from learn.core.errors import ContentError, ContentErrors, LearnError
from learn.core.quiz import Quiz as CoreQuiz
from learn.extensions import db
from learn.models import (
    AuditEvent,
    Course,
    CourseVersion,
    Module,
    ModuleVersion,
    Person,
    QuizVersion,
    User,
    VersionState,
)
from learn.models.base import utcnow
from learn.services import catalogue

logger = logging.getLogger(__name__)

KINDS = ("course", "module", "quiz")
#: States of a version that is still being worked on (at most one per item).
OPEN_STATES = (VersionState.DRAFT, VersionState.IN_REVIEW)
#: States of versions that were once live, and so may be rolled back to.
PUBLISHED_STATES = (VersionState.PUBLISHED, VersionState.SUPERSEDED)

AnyVersion = CourseVersion | ModuleVersion | QuizVersion


class AuthoringError(LearnError):
    """A workflow step the rules refuse; ``status`` is the HTTP status a view should answer."""

    def __init__(
        self, message: str, status: int = 400, errors: list[ContentError] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors = errors or []

    def __str__(self) -> str:
        return self.message


# --- items ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A course, a module or a module's quiz: something with versions."""

    kind: str
    course: Course
    module: Module | None = None

    @property
    def model(self) -> type[AnyVersion]:
        return {"course": CourseVersion, "module": ModuleVersion, "quiz": QuizVersion}[self.kind]

    @property
    def owner_column(self):
        if self.kind == "course":
            return CourseVersion.course_id
        return ModuleVersion.module_id if self.kind == "module" else QuizVersion.module_id

    @property
    def owner_id(self) -> int:
        return self.course.id if self.kind == "course" else self.module.id

    @property
    def live_id(self) -> int | None:
        if self.kind == "course":
            return self.course.live_version_id
        if self.kind == "module":
            return self.module.live_version_id
        return self.module.live_quiz_version_id

    @property
    def row(self) -> Course | Module:
        """Return the identity row whose live pointer this item moves."""
        return self.course if self.kind == "course" else self.module

    @property
    def slug(self) -> str:
        return self.course.slug if self.kind == "course" else self.module.slug

    @property
    def subject(self) -> str:
        """Return how the audit log names this item, e.g. "quiz:demo/intro"."""
        if self.kind == "course":
            return f"course:{self.course.slug}"
        return f"{self.kind}:{self.course.slug}/{self.module.slug}"

    def path(self, position: int | None = None) -> str:
        """Return the file path of this item in a content tree."""
        if self.kind == "course":
            return f"courses/{self.course.slug}/course.yml"
        if self.kind == "quiz":
            return f"quizzes/{self.course.slug}/{self.module.slug}.yml"
        return f"courses/{self.course.slug}/{position or 0:02d}-{self.module.slug}.md"


def find_course(slug: str) -> Course | None:
    """Return the course ``slug`` (live or not), or None."""
    return db.session.scalar(select(Course).where(Course.slug == slug))


def find_module(course: Course, slug: str) -> Module | None:
    """Return the module ``slug`` of ``course`` (published or not), or None."""
    return db.session.scalar(
        select(Module).where(Module.course_id == course.id, Module.slug == slug)
    )


def all_courses() -> list[Course]:
    """Return every course, by slug."""
    return list(db.session.scalars(select(Course).order_by(Course.slug)))


def versions(item: Item) -> list[AnyVersion]:
    """Return every version of ``item``, newest first."""
    model = item.model
    return list(
        db.session.scalars(
            select(model).where(item.owner_column == item.owner_id).order_by(model.number.desc())
        )
    )


def get_version(item: Item, number: int) -> AnyVersion | None:
    """Return version ``number`` of ``item``, or None."""
    model = item.model
    return db.session.scalar(
        select(model).where(item.owner_column == item.owner_id, model.number == number)
    )


def live_version(item: Item) -> AnyVersion | None:
    """Return the version learners get, or None."""
    return db.session.get(item.model, item.live_id) if item.live_id else None


def open_draft(item: Item) -> AnyVersion | None:
    """Return the draft (or version in review) of ``item``, or None."""
    model = item.model
    return db.session.scalar(
        select(model)
        .where(item.owner_column == item.owner_id, model.state.in_(OPEN_STATES))
        .order_by(model.number.desc())
        .limit(1)
    )


def working_version(item: Item) -> AnyVersion | None:
    """Return the version an editor starts from.

    The open draft if there is one; else a rejected version newer than the live one (so the
    author can act on the review); else the live version.
    """
    draft = open_draft(item)
    if draft is not None:
        return draft
    live = live_version(item)
    latest = db.session.scalar(
        select(item.model)
        .where(item.owner_column == item.owner_id)
        .order_by(item.model.number.desc())
        .limit(1)
    )
    if (
        latest is not None
        and latest.state == VersionState.REJECTED
        and (live is None or latest.number > live.number)
    ):
        return latest
    return live


def authors(version: AnyVersion) -> set[int]:
    """Return the ids of the people who made, changed or submitted ``version``."""
    ids = {version.created_by_id, version.updated_by_id, version.submitted_by_id}
    return {i for i in ids if i is not None}


def is_four_eyes() -> bool:
    """Return whether the four-eyes rule is on (``FOUR_EYES_REVIEW``)."""
    return bool(current_app.config.get("FOUR_EYES_REVIEW", True))


def can_approve(version: AnyVersion, actor: Person) -> bool:
    """Return whether ``actor`` may approve ``version`` under the four-eyes rule."""
    return not is_four_eyes() or actor.id not in authors(version)


# --- checking text -------------------------------------------------------------------------


def live_course(course: Course) -> CoreCourse:
    """Return the live course, with every module of it (published or not) by slug.

    Quizzes are checked against it, so a quiz may be written for a module whose first
    version is still a draft.

    :raises AuthoringError: the course has no live version.
    """
    if course.live_version is None:
        raise AuthoringError("This course has no published version yet.", 409)
    core = catalogue.core_course(course.live_version)
    slugs = db.session.scalars(select(Module.slug).where(Module.course_id == course.id)).all()
    modules = tuple(CoreModule(s, 0, "", 0, (), (), None, "", "", "") for s in sorted(slugs))
    return dataclasses.replace(core, modules=modules)


def check_text(
    item: Item, text: str, position: int | None = None
) -> CoreCourse | CoreModule | CoreQuiz:
    """Check a file's text for ``item`` with the loader, plus the rules of the database.

    :raises ContentErrors: every problem found.
    """
    path = item.path(position)
    if item.kind == "course":
        parsed = parse_course_text(text, path)
        errors = []
        if parsed.slug != item.course.slug:
            errors.append(ContentError(path, 2, f"the slug must stay '{item.course.slug}'"))
        known = set(
            db.session.scalars(select(Module.slug).where(Module.course_id == item.course.id))
        )
        for track in parsed.tracks:
            for module in track.modules:
                if module not in known:
                    errors.append(
                        ContentError(
                            path,
                            _track_modules_line(text, track.slug),
                            f"track '{track.slug}' lists module '{module}', which is not a "
                            f"module of this course, expected one of: {', '.join(sorted(known))}",
                        )
                    )
        if errors:
            raise ContentErrors(errors)
        return parsed
    context = live_course(item.course)
    if item.kind == "quiz":
        return parse_quiz_text(text, path, context)
    module = parse_module_text(text, path, context)
    clash = position_taken(item.course, module.number, item.module.id)
    if clash is not None:
        raise ContentErrors(
            [
                ContentError(
                    path,
                    None,
                    f"place {module.number:02d} is already taken by module '{clash}', "
                    "expected a number no other module of the course uses",
                )
            ]
        )
    return module


def _track_modules_line(text: str, track_slug: str) -> int | None:
    """Return the line of the ``modules:`` key of track ``track_slug`` in course.yml text."""
    current = None
    for number, line in enumerate(text.split("\n"), start=1):
        match = re.match(r"^\s*(?:-\s+)?slug:\s*[\"']?([a-z0-9-]+)", line)
        if match and line.startswith("  "):
            current = match.group(1)
        if current == track_slug and re.match(r"^\s*modules:", line):
            return number
    return None


def position_taken(course: Course, position: int, module_id: int | None = None) -> str | None:
    """Return the slug of a live module of ``course`` (other than ``module_id``) at ``position``."""
    query = (
        select(Module.slug)
        .join(ModuleVersion, ModuleVersion.id == Module.live_version_id)
        .where(Module.course_id == course.id, ModuleVersion.position == position)
    )
    if module_id is not None:
        query = query.where(Module.id != module_id)
    return db.session.scalar(query.limit(1))


def _fields(item: Item, parsed) -> dict:
    if item.kind == "course":
        return catalogue.course_version_fields(parsed)
    if item.kind == "module":
        return catalogue.module_version_fields(parsed)
    return catalogue.quiz_version_fields(parsed)


def _content(item: Item, fields: dict) -> dict:
    """Return what learners get from a version's columns (everything but the file text)."""
    return {k: v for k, v in fields.items() if k != "source_text"}


def same_content(item: Item, version: AnyVersion, text: str, position: int | None = None) -> bool:
    """Return whether ``text`` gives learners exactly what ``version`` gives them.

    The editor writes files in its own layout, so the same content may differ in spacing,
    quoting or comments from a file written by hand; that is not a change.
    """
    if content_hash(text) == version.content_hash:
        return True
    old_position = version.position if item.kind == "module" else None
    try:
        old = _parse_plain(item, version.source_text, old_position)
        new = _parse_plain(item, text, position)
    except ContentErrors:
        return False
    if item.kind == "quiz":
        return dataclasses.replace(old, source_text="", path="") == dataclasses.replace(
            new, source_text="", path=""
        )
    return _content(item, _fields(item, old)) == _content(item, _fields(item, new))


def _parse_plain(item: Item, text: str, position: int | None):
    """Parse a file's text on its own (no checks against the course)."""
    path = item.path(position)
    if item.kind == "course":
        return parse_course_text(text, path)
    if item.kind == "module":
        return parse_module_text(text, path, None)
    return parse_quiz_text(text, path, None)


def _next_number(item: Item) -> int:
    model = item.model
    current = db.session.scalar(
        select(func.max(model.number)).where(item.owner_column == item.owner_id)
    )
    return (current or 0) + 1


def _audit(actor: Person | None, action: str, item: Item, version: AnyVersion, **detail) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            subject=item.subject,
            detail={"version": version.number, **detail},
        )
    )


# --- drafts --------------------------------------------------------------------------------


def _save(
    item: Item,
    text: str,
    actor: Person,
    *,
    change_note: str | None = None,
    position: int | None = None,
) -> AnyVersion | None:
    """Check ``text`` and write it as the item's draft (without committing).

    Returns the draft, or None when the text is the same as the live version's and there
    is no draft to update.

    :raises ContentErrors: the text has problems; nothing is written.
    """
    text = text.replace("\r\n", "\n")
    parsed = check_text(item, text, position)
    fields = _fields(item, parsed)
    digest = content_hash(text)
    draft = open_draft(item)
    now = utcnow()
    if draft is None:
        live = live_version(item)
        if live is not None and same_content(item, live, text, position):
            return None
        draft = item.model(
            **{item.owner_column.key: item.owner_id},
            number=_next_number(item),
            content_hash=digest,
            state=VersionState.DRAFT,
            created_by_id=actor.id,
            updated_by_id=actor.id,
            updated_at=now,
            change_note=change_note or None,
            based_on=live.number if live else None,
            **fields,
        )
        db.session.add(draft)
        db.session.flush()
        _audit(actor, "content_draft_created", item, draft)
        return draft
    if not change_note and same_content(item, draft, text, position):
        return draft
    was_in_review = draft.state == VersionState.IN_REVIEW
    for key, value in fields.items():
        setattr(draft, key, value)
    draft.content_hash = digest
    draft.updated_by_id = actor.id
    draft.updated_at = now
    if change_note:
        draft.change_note = change_note
    if was_in_review:
        # A changed draft must be reviewed afresh.
        draft.state = VersionState.DRAFT
        draft.submitted_by_id = None
        draft.submitted_at = None
    _audit(actor, "content_draft_changed", item, draft, withdrawn_from_review=was_in_review)
    return draft


def _commit_or_rollback() -> None:
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def save_draft(
    item: Item,
    text: str,
    actor: Person,
    *,
    change_note: str | None = None,
    position: int | None = None,
) -> AnyVersion | None:
    """Check ``text`` and save it as the item's draft; return the draft (None if unchanged).

    :raises ContentErrors: the text has problems; nothing is written.
    """
    try:
        draft = _save(item, text, actor, change_note=change_note, position=position)
    except ContentErrors:
        db.session.rollback()
        raise
    _commit_or_rollback()
    if draft is not None:
        logger.info("draft saved %s v%s by user=%s", item.subject, draft.number, actor.id)
    return draft


@dataclass(frozen=True)
class ModuleSave:
    """What saving a module did: its draft (None if unchanged) and any course draft made."""

    module: Module
    draft: ModuleVersion | None
    course_draft: CourseVersion | None


def module_tracks(course: Course, module_slug: str) -> list[str]:
    """Return the tracks listing ``module_slug`` in the course's draft, else its live version."""
    core = _working_course(course)
    return [t.slug for t in core.tracks if module_slug in t.modules]


def _working_course(course: Course) -> CoreCourse:
    version = working_version(Item("course", course))
    if version is None:
        raise AuthoringError("This course has no published version yet.", 409)
    return parse_course_text(version.source_text, f"courses/{course.slug}/course.yml")


def _set_tracks(course: Course, module_slug: str, tracks: list[str], actor: Person):
    """Put ``module_slug`` in exactly ``tracks`` by drafting course.yml (no commit)."""
    core = _working_course(course)
    data = course_data(core)
    changed = False
    for track in data["tracks"]:
        listed = module_slug in track["modules"]
        wanted = track["slug"] in tracks
        if wanted and not listed:
            track["modules"].append(module_slug)
            changed = True
        elif listed and not wanted:
            track["modules"].remove(module_slug)
            changed = True
    if not changed:
        return None
    item = Item("course", course)
    draft = open_draft(item)
    note = draft.change_note if draft and draft.change_note else None
    return _save(
        item,
        emit_yaml(data).text,
        actor,
        change_note=note or f"Tracks of module '{module_slug}' changed.",
    )


def save_module(
    course: Course,
    module: Module | None,
    text: str,
    position: int,
    actor: Person,
    *,
    slug: str | None = None,
    tracks: list[str] | None = None,
    change_note: str | None = None,
) -> ModuleSave:
    """Save a module draft (making the module first when ``module`` is None).

    With ``tracks``, the module is put in exactly those tracks: when that changes the
    course's track lists, a course draft is saved too (course.yml holds the tracks). All
    or nothing, in one transaction.

    :raises ContentErrors: the module text (or the course draft) has problems.
    :raises AuthoringError: the slug is not valid or is taken.
    """
    try:
        if module is None:
            if not slug or not is_slug(slug):
                raise AuthoringError(
                    "Use lowercase letters, digits and hyphens for the short name.", 400
                )
            if find_module(course, slug) is not None:
                raise AuthoringError("Another module of this course has that short name.", 409)
            module = Module(course_id=course.id, slug=slug)
            db.session.add(module)
            db.session.flush()
        item = Item("module", course, module)
        draft = _save(item, text, actor, change_note=change_note, position=position)
        course_draft = (
            _set_tracks(course, module.slug, tracks, actor) if tracks is not None else None
        )
    except (ContentErrors, AuthoringError):
        db.session.rollback()
        raise
    _commit_or_rollback()
    logger.info("module saved %s by user=%s", item.subject, actor.id)
    return ModuleSave(module, draft, course_draft)


# --- review and publication ----------------------------------------------------------------


def submit(item: Item, actor: Person, note: str | None = None) -> AnyVersion:
    """Send the item's draft for review.

    :raises AuthoringError: there is no draft waiting to be submitted.
    """
    draft = open_draft(item)
    if draft is None or draft.state != VersionState.DRAFT:
        raise AuthoringError("There is no draft to submit.", 409)
    live = live_version(item)
    position = draft.position if item.kind == "module" else None
    if live is not None and same_content(item, live, draft.source_text, position):
        raise AuthoringError("The draft is the same as the published version.", 409)
    draft.state = VersionState.IN_REVIEW
    draft.submitted_by_id = actor.id
    draft.submitted_at = utcnow()
    if note:
        draft.change_note = note
    _audit(actor, "content_submitted", item, draft)
    _commit_or_rollback()
    logger.info("submitted for review %s v%s by user=%s", item.subject, draft.number, actor.id)
    return draft


def _check_publishable(item: Item, version: AnyVersion) -> None:
    """Refuse a version that would leave learners with something broken.

    :raises AuthoringError: with the problems.
    """
    position = version.position if item.kind == "module" else None
    try:
        check_text(item, version.source_text, position)
    except ContentErrors as exc:
        raise AuthoringError(
            "The draft no longer passes the content checks; edit it first.", 409, exc.errors
        ) from exc
    if item.kind == "module" and item.module.live_quiz_version_id is None:
        raise AuthoringError(
            "Publish this module's quiz first: learners need a quiz to complete a module.", 409
        )
    if item.kind == "course":
        parsed = parse_course_text(version.source_text, item.path())
        live = {
            slug
            for slug in db.session.scalars(
                select(Module.slug).where(
                    Module.course_id == item.course.id, Module.live_version_id.is_not(None)
                )
            )
        }
        missing = sorted({m for t in parsed.tracks for m in t.modules} - live)
        if missing:
            raise AuthoringError(
                "Publish these modules before a track lists them: " + ", ".join(missing) + ".",
                409,
            )


def approve(item: Item, actor: Person, note: str | None = None) -> AnyVersion:
    """Approve the draft in review and publish it: it becomes the live version.

    :raises AuthoringError: nothing is in review (409), the four-eyes rule forbids it (403),
        or the draft cannot be published as it stands (409).
    """
    draft = open_draft(item)
    if draft is None or draft.state != VersionState.IN_REVIEW:
        raise AuthoringError("There is no draft waiting for review.", 409)
    if not can_approve(draft, actor):
        raise AuthoringError(
            "You wrote, changed or submitted this draft, so another trainer must review it.",
            403,
        )
    _check_publishable(item, draft)
    now = utcnow()
    draft.reviewed_by_id = actor.id
    draft.reviewed_at = now
    draft.review_note = note or None
    previous = live_version(item)
    catalogue.set_live(item.row, draft, quiz=item.kind == "quiz")
    _audit(actor, "content_approved", item, draft, submitted_by=draft.submitted_by_id)
    _audit(
        actor,
        "content_published",
        item,
        draft,
        replaces=previous.number if previous is not None else None,
    )
    _commit_or_rollback()
    logger.info("published %s v%s approved by user=%s", item.subject, draft.number, actor.id)
    return draft


def reject(item: Item, actor: Person, note: str) -> AnyVersion:
    """Send the draft in review back with a note; it stays in the history as rejected.

    :raises AuthoringError: nothing is in review, or no note was given.
    """
    draft = open_draft(item)
    if draft is None or draft.state != VersionState.IN_REVIEW:
        raise AuthoringError("There is no draft waiting for review.", 409)
    if not note or not note.strip():
        raise AuthoringError("Say what needs to change.", 400)
    draft.state = VersionState.REJECTED
    draft.reviewed_by_id = actor.id
    draft.reviewed_at = utcnow()
    draft.review_note = note.strip()
    _audit(actor, "content_rejected", item, draft)
    _commit_or_rollback()
    logger.info("rejected %s v%s by user=%s", item.subject, draft.number, actor.id)
    return draft


def discard(item: Item, actor: Person) -> AnyVersion:
    """Drop the item's open draft (it is kept in the history, marked rejected).

    :raises AuthoringError: there is no open draft.
    """
    draft = open_draft(item)
    if draft is None:
        raise AuthoringError("There is no draft to discard.", 409)
    draft.state = VersionState.REJECTED
    draft.reviewed_by_id = actor.id
    draft.reviewed_at = utcnow()
    draft.review_note = f"Discarded by {actor.name}."
    _audit(actor, "content_discarded", item, draft)
    _commit_or_rollback()
    return draft


def rollback(item: Item, actor: Person, number: int) -> AnyVersion:
    """Make a new version with the text of earlier version ``number``, sent for review.

    With the four-eyes rule off it is published at once; with it on, another trainer
    approves it like any other draft.

    :raises AuthoringError: no such published version, it is already live, a draft is open,
        or its text no longer passes the checks.
    """
    old = get_version(item, number)
    if old is None or old.state not in PUBLISHED_STATES:
        raise AuthoringError("Only a version that was published can be rolled back to.", 404)
    if old.id == item.live_id:
        raise AuthoringError("That version is already the live one.", 409)
    if open_draft(item) is not None:
        raise AuthoringError(
            "There is already a draft of this; publish or discard it before rolling back.", 409
        )
    position = old.position if item.kind == "module" else None
    try:
        parsed = check_text(item, old.source_text, position)
    except ContentErrors as exc:
        raise AuthoringError(
            f"Version {number} no longer passes the content checks.", 409, exc.errors
        ) from exc
    now = utcnow()
    version = item.model(
        **{item.owner_column.key: item.owner_id},
        number=_next_number(item),
        content_hash=old.content_hash,
        state=VersionState.IN_REVIEW,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        updated_at=now,
        submitted_by_id=actor.id,
        submitted_at=now,
        change_note=f"Roll back to version {number}.",
        based_on=number,
        **_fields(item, parsed),
    )
    db.session.add(version)
    db.session.flush()
    _audit(actor, "content_rolled_back", item, version, to_version=number)
    _commit_or_rollback()
    logger.info("rollback %s to v%s by user=%s", item.subject, number, actor.id)
    if not is_four_eyes():
        return approve(item, actor, f"Rolled back to version {number}.")
    return version


# --- what the pages show -------------------------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    """The few columns of a version that lists show."""

    id: int
    number: int
    state: VersionState
    title: str = ""


@dataclass(frozen=True)
class Status:
    """An item's live version, open draft, and a rejected version newer than live."""

    live: VersionInfo | None
    draft: VersionInfo | None
    rejected: VersionInfo | None

    @property
    def label(self) -> str:
        """Return the most pressing state: in_review, draft, rejected, published or none."""
        if self.draft is not None:
            return self.draft.state.value
        if self.rejected is not None:
            return VersionState.REJECTED.value
        return VersionState.PUBLISHED.value if self.live else "none"


def _status(infos: list[VersionInfo], live_id: int | None) -> Status:
    live = next((v for v in infos if v.id == live_id), None)
    ordered = sorted(infos, key=lambda v: v.number, reverse=True)
    draft = next((v for v in ordered if v.state in OPEN_STATES), None)
    rejected = None
    if ordered and ordered[0].state == VersionState.REJECTED:
        if live is None or ordered[0].number > live.number:
            rejected = ordered[0]
    return Status(live, draft, rejected)


@dataclass(frozen=True)
class ModuleRow:
    """A module in the authoring overview."""

    module: Module
    title: str
    position: int
    status: Status
    quiz: Status
    tracks: tuple[str, ...]


@dataclass(frozen=True)
class CourseRow:
    """A course in the authoring overview, with its modules in catalogue order."""

    course: Course
    title: str
    status: Status
    modules: tuple[ModuleRow, ...]
    tracks: tuple[dict, ...]


def course_overview(course: Course) -> CourseRow:
    """Return a course with the state of itself, its modules and quizzes (four queries)."""
    course_infos = [
        VersionInfo(i, n, s, t)
        for i, n, s, t in db.session.execute(
            select(
                CourseVersion.id, CourseVersion.number, CourseVersion.state, CourseVersion.title
            ).where(CourseVersion.course_id == course.id)
        )
    ]
    modules = list(db.session.scalars(select(Module).where(Module.course_id == course.id)))
    ids = [m.id for m in modules]
    module_infos: dict[int, list[tuple[VersionInfo, int]]] = {i: [] for i in ids}
    for module_id, id_, number, state, title, position in db.session.execute(
        select(
            ModuleVersion.module_id,
            ModuleVersion.id,
            ModuleVersion.number,
            ModuleVersion.state,
            ModuleVersion.title,
            ModuleVersion.position,
        ).where(ModuleVersion.module_id.in_(ids))
    ):
        module_infos[module_id].append((VersionInfo(id_, number, state, title), position))
    quiz_infos: dict[int, list[VersionInfo]] = {i: [] for i in ids}
    for module_id, id_, number, state in db.session.execute(
        select(QuizVersion.module_id, QuizVersion.id, QuizVersion.number, QuizVersion.state).where(
            QuizVersion.module_id.in_(ids)
        )
    ):
        quiz_infos[module_id].append(VersionInfo(id_, number, state))
    live = course.live_version
    tracks = tuple(live.tracks) if live else ()
    rows = []
    for module in modules:
        infos = module_infos[module.id]
        status = _status([i for i, _ in infos], module.live_version_id)
        shown = status.draft or status.live or status.rejected
        position = next((p for i, p in infos if shown and i.id == shown.id), 0)
        rows.append(
            ModuleRow(
                module=module,
                title=shown.title if shown else module.slug,
                position=position,
                status=status,
                quiz=_status(quiz_infos[module.id], module.live_quiz_version_id),
                tracks=tuple(t["slug"] for t in tracks if module.slug in t["modules"]),
            )
        )
    rows.sort(key=lambda r: (r.position, r.module.slug))
    status = _status(course_infos, course.live_version_id)
    title = live.title if live else course.slug
    return CourseRow(course, title, status, tuple(rows), tracks)


@dataclass(frozen=True)
class ReviewRow:
    """A version waiting for review."""

    item: Item
    version: AnyVersion


def review_queue() -> list[ReviewRow]:
    """Return every version in review, oldest submission first."""
    rows: list[ReviewRow] = []
    for version in db.session.scalars(
        select(CourseVersion).where(CourseVersion.state == VersionState.IN_REVIEW)
    ):
        rows.append(ReviewRow(Item("course", version.course), version))
    for kind, model in (("module", ModuleVersion), ("quiz", QuizVersion)):
        for version in db.session.scalars(
            select(model).where(model.state == VersionState.IN_REVIEW)
        ):
            module = version.module
            rows.append(ReviewRow(Item(kind, module.course, module), version))
    return sorted(rows, key=lambda r: r.version.submitted_at or r.version.created_at)


def people(ids: set[int | None]) -> dict[int, User]:
    """Return the users with these ids, by id (one query)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


# --- comparing versions --------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    """A row of a side-by-side comparison.

    ``kind`` is "equal", "delete", "insert", "replace" or "skip" (unchanged lines left out;
    ``left`` then says how many).
    """

    kind: str
    left_no: int | None
    left: str
    right_no: int | None
    right: str


def diff_rows(old: str, new: str, context: int = 3) -> list[DiffRow]:
    """Return a side-by-side, line-by-line comparison of two texts.

    Runs of unchanged lines longer than twice ``context`` are shortened to a "skip" row.
    """
    a = old.replace("\r\n", "\n").split("\n")
    b = new.replace("\r\n", "\n").split("\n")
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            count = i2 - i1
            keep_head = 0 if index == 0 else context
            keep_tail = 0 if index == len(opcodes) - 1 else context
            if count > keep_head + keep_tail + 1:
                for k in range(keep_head):
                    rows.append(DiffRow("equal", i1 + k + 1, a[i1 + k], j1 + k + 1, b[j1 + k]))
                skipped = count - keep_head - keep_tail
                rows.append(DiffRow("skip", None, str(skipped), None, ""))
                for k in range(count - keep_tail, count):
                    rows.append(DiffRow("equal", i1 + k + 1, a[i1 + k], j1 + k + 1, b[j1 + k]))
            else:
                for k in range(count):
                    rows.append(DiffRow("equal", i1 + k + 1, a[i1 + k], j1 + k + 1, b[j1 + k]))
            continue
        left = list(range(i1, i2))
        right = list(range(j1, j2))
        for k in range(max(len(left), len(right))):
            li = left[k] if k < len(left) else None
            ri = right[k] if k < len(right) else None
            kind = (
                tag if li is not None and ri is not None else ("delete" if ri is None else "insert")
            )
            rows.append(
                DiffRow(
                    kind,
                    li + 1 if li is not None else None,
                    a[li] if li is not None else "",
                    ri + 1 if ri is not None else None,
                    b[ri] if ri is not None else "",
                )
            )
    return rows
