"""Tracks: choosing one, and the lenses a learner sees."""

from __future__ import annotations

import logging

from sqlalchemy import Row, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from learn.core.course import LENSES
from learn.extensions import db, plain
from learn.models import Course, Enrolment, Module, ModuleProgress, Person, User
from learn.models.base import utcnow
from learn.services.catalogue import LiveModule, course_info, find_course, live_courses

logger = logging.getLogger(__name__)


def track_key(course_slug: str, track_slug: str) -> str:
    """Return the value that names a track in forms: ``course/track``."""
    return f"{course_slug}/{track_slug}"


def track_choices() -> list[tuple[str, str]]:
    """Return (key, label) for every live track, for a select box."""
    choices = []
    for course in live_courses():
        version = course.live_version
        for track in version.tracks:
            label = track["title"]
            if len(live_courses()) > 1:
                label = f"{version.title}: {label}"
            choices.append((track_key(course.slug, track["slug"]), label))
    return choices


def resolve_track(key: str) -> tuple[Course, dict] | None:
    """Return the live course and track dict named by ``course/track``, or None."""
    course_slug, _, track_slug = key.partition("/")
    course = find_course(course_slug)
    if course is None:
        return None
    track = course.live_version.track(track_slug)
    return (course, track) if track else None


def enrol(
    user: User,
    course: Course,
    track_slug: str,
    *,
    due_on=None,
    origin: str = "self",
    assignment_id: int | None = None,
    commit: bool = True,
) -> Enrolment:
    """Put ``user`` on a track (or make it their current one again); keep an earlier due date."""
    enrolment = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == user.id,
            Enrolment.course_id == course.id,
            Enrolment.track_slug == track_slug,
        )
    )
    if enrolment is None:
        enrolment = Enrolment(
            user_id=user.id,
            organisation_id=user.organisation_id,
            department_id=user.department_id,
            course_id=course.id,
            track_slug=track_slug,
            origin=origin,
            assignment_id=assignment_id,
            due_on=due_on,
            started_at=_first_opened(user.id, course, track_slug),
        )
        db.session.add(enrolment)
    else:
        enrolment.chosen_at = utcnow()
        if due_on is not None and (enrolment.due_on is None or due_on < enrolment.due_on):
            enrolment.due_on = due_on
            enrolment.assignment_id = assignment_id or enrolment.assignment_id
            enrolment.origin = origin
    if commit:
        try:
            db.session.commit()
        except IntegrityError:
            # Chosen twice at once: the other request made it.
            db.session.rollback()
            return enrol(user, course, track_slug, due_on=due_on, origin=origin)
        logger.info("enrolled user=%s track=%s/%s", user.id, course.slug, track_slug)
    return enrolment


def choose_track(user: Person, key: str) -> Enrolment | None:
    """Make the track named ``course/track`` the learner's current one; None if unknown."""
    found = resolve_track(key)
    if found is None:
        return None
    course, track = found
    return enrol(user, course, track["slug"])


#: A learner's enrolments, current (most recently chosen) first; built once, since My
#: learning and the module page (for the current track) run it on every request.
_ENROLMENTS = (
    select(Enrolment)
    .where(Enrolment.user_id == bindparam("user_id"))
    .order_by(Enrolment.chosen_at.desc(), Enrolment.id.desc())
)


def enrolments(user: Person) -> list[Enrolment]:
    """Return all of a learner's tracks, current first."""
    return list(db.session.scalars(_ENROLMENTS, {"user_id": user.id}))


def current_enrolment(user: Person) -> Enrolment | None:
    """Return the learner's current track: the most recently chosen one."""
    return db.session.scalar(_ENROLMENTS.limit(1), {"user_id": user.id})


#: A learner's current enrolment on one course: the one they chose last.
CURRENT_ON_COURSE = _ENROLMENTS.where(Enrolment.course_id == bindparam("course_id")).limit(1)


def current_enrolment_on(user: Person, course_id: int) -> Enrolment | None:
    """Return the learner's current enrolment on a course, or None if they have none."""
    return db.session.scalar(CURRENT_ON_COURSE, {"user_id": user.id, "course_id": course_id})


_ENROLMENT_ROWS = _ENROLMENTS.with_only_columns(
    Enrolment.id, Enrolment.course_id, Enrolment.track_slug, Enrolment.due_on
)


def enrolment_rows(user: Person) -> list[Row]:
    """``enrolments`` as plain rows (id, course_id, track_slug, due_on), for pages that read."""
    return plain(_ENROLMENT_ROWS, {"user_id": user.id}).all()


def effective_lenses(user: Person, track: dict | None) -> frozenset[str]:
    """Return the lenses on for ``user``: their own choice, else the track's default."""
    defaults = frozenset(track["lenses"]) if track else frozenset()
    chosen = {"gender": user.lens_gender, "age": user.lens_age}
    return frozenset(
        lens for lens in LENSES if (chosen[lens] if chosen[lens] is not None else lens in defaults)
    )


def set_lenses(user: User, *, gender: bool | None, age: bool | None) -> None:
    """Turn a learner's lenses on or off (None = as the track sets it)."""
    user.lens_gender = gender
    user.lens_age = age
    db.session.commit()


# --- "started", kept on the enrolment for reports ----------------------------------------


def _first_opened(user_id: int, course: Course, track_slug: str):
    """Return when the person first opened a module of the track, or None."""
    version = course.live_version
    track = version.track(track_slug) if version else None
    if not track or user_id is None:
        return None
    return db.session.scalar(
        select(func.min(ModuleProgress.started_at))
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(
            ModuleProgress.user_id == user_id,
            Module.course_id == course.id,
            Module.slug.in_(track["modules"]),
        )
    )


def mark_tracks_started(progress: ModuleProgress, module: Module | LiveModule) -> None:
    """A learner has opened ``module`` for the first time: mark their tracks with it started.

    Called in the transaction that writes the progress row, so "started" on the enrolment
    is always in step with the learner's progress; reports read it from there instead of
    searching progress rows for every enrolment.
    """
    course_version_id = db.session.scalar(
        select(Course.live_version_id).where(Course.id == module.course_id)
    )
    version = course_info(course_version_id) if course_version_id else None
    slugs = [t["slug"] for t in version.tracks if module.slug in t["modules"]] if version else []
    if not slugs:
        return
    db.session.execute(
        update(Enrolment)
        .where(
            Enrolment.user_id == progress.user_id,
            Enrolment.course_id == module.course_id,
            Enrolment.track_slug.in_(slugs),
            Enrolment.started_at.is_(None),
        )
        .values(started_at=progress.started_at or utcnow())
    )


def sync_enrolment_places(user: User) -> None:
    """Copy a person's organisation and department onto their enrolments (after a move)."""
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id == user.id)
        .values(organisation_id=user.organisation_id, department_id=user.department_id)
        .execution_options(synchronize_session=False)
    )
