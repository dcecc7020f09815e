"""Tracks: choosing one, and the lenses a learner sees."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from learn.core.course import LENSES
from learn.extensions import db
from learn.models import Course, Enrolment, User
from learn.models.base import utcnow
from learn.services.catalogue import find_course, live_courses

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
            course_id=course.id,
            track_slug=track_slug,
            origin=origin,
            assignment_id=assignment_id,
            due_on=due_on,
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


def choose_track(user: User, key: str) -> Enrolment | None:
    """Make the track named ``course/track`` the learner's current one; None if unknown."""
    found = resolve_track(key)
    if found is None:
        return None
    course, track = found
    return enrol(user, course, track["slug"])


def current_enrolment(user: User) -> Enrolment | None:
    """Return the learner's current track: the most recently chosen one."""
    return db.session.scalar(
        select(Enrolment)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.chosen_at.desc(), Enrolment.id.desc())
        .limit(1)
    )


def enrolments(user: User) -> list[Enrolment]:
    """Return all of a learner's tracks, current first."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.chosen_at.desc(), Enrolment.id.desc())
        )
    )


def effective_lenses(user: User, track: dict | None) -> frozenset[str]:
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
