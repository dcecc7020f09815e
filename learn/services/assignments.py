"""Assignments: a track with a due date for a person, a department or a whole organisation.

Assigning enrols every current member in one set-based statement; people who join the
department or organisation later get its assignments when their account is made (or when
they move into the department). Overdue is never stored: it is computed from ``due_on``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, and_, exists, false, func, insert, literal, or_, select, update
from sqlalchemy.orm import aliased

from learn.extensions import db
from learn.models import (
    Assignment,
    AuditEvent,
    Course,
    Department,
    Enrolment,
    Module,
    ModuleProgress,
    Organisation,
    User,
)
from learn.models.base import UTCDateTime, utcnow
from learn.services.people import track_counts
from learn.services.scope import Scope
from learn.services.tracks import enrol

logger = logging.getLogger(__name__)


class AssignmentError(Exception):
    """An assignment that cannot be made; ``code`` says why, ``status`` is the HTTP status."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class AssignmentResult:
    """What assigning did: the assignment, people newly enrolled, and due dates brought forward."""

    assignment: Assignment
    enrolled: int
    updated: int


def _target_condition(assignment: Assignment):
    """Return the WHERE clause selecting the people an assignment covers."""
    if assignment.user_id is not None:
        return User.id == assignment.user_id
    if assignment.department_id is not None:
        return User.department_id == assignment.department_id
    return User.organisation_id == assignment.organisation_id


def _check_target(
    scope: Scope, *, user: User | None, department: Department | None, organisation_id: int | None
) -> int:
    """Return the organisation of the one target given, checking it is inside ``scope``."""
    given = [t for t in (user, department, organisation_id) if t is not None]
    if len(given) != 1:
        raise AssignmentError("one_target")
    if user is not None:
        org_id = user.organisation_id
    elif department is not None:
        org_id = department.organisation_id
    else:
        org_id = organisation_id
        if db.session.get(Organisation, org_id) is None:
            raise AssignmentError("unknown_target", 404)
    if not scope.allows(org_id):
        raise AssignmentError("unknown_target", 404)
    return org_id


def assign_track(
    actor: User | None,
    scope: Scope,
    course: Course,
    track_slug: str,
    due_on: date | None,
    *,
    user: User | None = None,
    department: Department | None = None,
    organisation_id: int | None = None,
    today: date | None = None,
) -> AssignmentResult:
    """Assign a track to one person, department or organisation and enrol everyone in it.

    People already on the track keep their enrolment; an earlier due date is kept, a later
    or missing one is brought forward to ``due_on``. Completed enrolments are left alone.

    :raises AssignmentError: no single target, a target outside ``scope``, an unknown track,
        or a due date in the past.
    """
    org_id = _check_target(scope, user=user, department=department, organisation_id=organisation_id)
    if course.live_version is None or course.live_version.track(track_slug) is None:
        raise AssignmentError("unknown_track")
    if due_on is not None and due_on < (today or date.today()):
        raise AssignmentError("date_in_past")
    assignment = Assignment(
        course_id=course.id,
        track_slug=track_slug,
        organisation_id=org_id if user is None and department is None else None,
        department_id=department.id if department is not None else None,
        user_id=user.id if user is not None else None,
        due_on=due_on,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(assignment)
    db.session.flush()
    enrolled, updated = _enrol_covered(assignment)
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action="assignment_created",
            subject=_subject(assignment),
            detail={
                "assignment": assignment.id,
                "track": f"{course.slug}/{track_slug}",
                "due_on": due_on.isoformat() if due_on else None,
                "enrolled": enrolled,
            },
        )
    )
    db.session.commit()
    logger.info(
        "assignment created id=%s track=%s enrolled=%s updated=%s",
        assignment.id,
        track_slug,
        enrolled,
        updated,
    )
    return AssignmentResult(assignment, enrolled, updated)


def _subject(assignment: Assignment) -> str:
    if assignment.user_id is not None:
        return f"user:{assignment.user_id}"
    if assignment.department_id is not None:
        return f"department:{assignment.department_id}"
    return f"organisation:{assignment.organisation_id}"


def _enrol_covered(assignment: Assignment) -> tuple[int, int]:
    """Enrol everyone an assignment covers, in two statements whatever their number."""
    covered = _target_condition(assignment)
    same_track = and_(
        Enrolment.course_id == assignment.course_id,
        Enrolment.track_slug == assignment.track_slug,
    )
    already = exists().where(Enrolment.user_id == User.id, same_track)
    now = utcnow()
    inserted = db.session.execute(
        insert(Enrolment)
        .from_select(
            [
                "user_id",
                "organisation_id",
                "department_id",
                "course_id",
                "track_slug",
                "origin",
                "assignment_id",
                "due_on",
                "chosen_at",
                "started_at",
            ],
            select(
                User.id,
                User.organisation_id,
                User.department_id,
                literal(assignment.course_id),
                literal(assignment.track_slug),
                literal("admin"),
                literal(assignment.id),
                literal(assignment.due_on, Date),
                literal(now, UTCDateTime),
                _first_opened(assignment),
            ).where(covered, ~already),
        )
        .returning(Enrolment.id)
    )
    inserted = len(inserted.all())
    updated = 0
    if assignment.due_on is not None:
        updated = db.session.execute(
            update(Enrolment)
            .where(
                same_track,
                Enrolment.assignment_id.is_distinct_from(assignment.id),
                Enrolment.completed_at.is_(None),
                or_(Enrolment.due_on.is_(None), Enrolment.due_on > assignment.due_on),
                Enrolment.user_id.in_(select(User.id).where(covered)),
            )
            .values(due_on=assignment.due_on, assignment_id=assignment.id, origin="admin")
            .execution_options(synchronize_session=False)
        ).rowcount
    return inserted, updated


def _first_opened(assignment: Assignment):
    """Return a scalar subquery: when each person first opened a module of the track."""
    course = db.session.get(Course, assignment.course_id)
    track = course.live_version.track(assignment.track_slug) if course.live_version else None
    return (
        select(func.min(ModuleProgress.started_at))
        .join(Module, Module.id == ModuleProgress.module_id)
        .where(
            ModuleProgress.user_id == User.id,
            Module.course_id == assignment.course_id,
            Module.slug.in_(track["modules"] if track else []),
        )
        .scalar_subquery()
    )


def apply_inherited_assignments(user: User, today: date | None = None) -> int:
    """Enrol a person who has just joined on their organisation's and department's tracks.

    Does not commit: it runs inside the transaction that creates or moves the person. A due
    date that has already passed is not passed on, so nobody is overdue on their first day.
    Returns the number of assignments applied.
    """
    today = today or date.today()
    inherited = or_(
        and_(
            Assignment.organisation_id == user.organisation_id,
            Assignment.department_id.is_(None),
            Assignment.user_id.is_(None),
        ),
        Assignment.department_id == user.department_id
        if user.department_id is not None
        else false(),
    )
    rows = db.session.scalars(select(Assignment).where(inherited).order_by(Assignment.id)).all()
    applied = 0
    for assignment in rows:
        course = db.session.get(Course, assignment.course_id)
        if course is None or course.live_version is None:
            continue
        if course.live_version.track(assignment.track_slug) is None:
            continue
        due = assignment.due_on if assignment.due_on and assignment.due_on >= today else None
        enrol(
            user,
            course,
            assignment.track_slug,
            due_on=due,
            origin="admin",
            assignment_id=assignment.id,
            commit=False,
        )
        applied += 1
    if applied:
        db.session.flush()
    return applied


def inherited_enrolments(users: list[User], today: date | None = None) -> list[dict]:
    """Return the enrolments brand-new people inherit from their organisation and department.

    One query whatever the number of people; used by the bulk CSV import. Each item is a
    dict of Enrolment columns (user_id, course_id, track_slug, due_on, assignment_id); where
    two assignments give the same track, the earlier due date wins.
    """
    today = today or date.today()
    org_ids = {u.organisation_id for u in users}
    dept_ids = {u.department_id for u in users if u.department_id is not None}
    if not users:
        return []
    live_tracks = {}
    rows = db.session.scalars(
        select(Assignment).where(
            Assignment.user_id.is_(None),
            or_(
                and_(Assignment.organisation_id.in_(org_ids), Assignment.department_id.is_(None)),
                Assignment.department_id.in_(dept_ids) if dept_ids else false(),
            ),
        )
    ).all()
    by_org: dict[int, list[Assignment]] = {}
    by_dept: dict[int, list[Assignment]] = {}
    for assignment in rows:
        key = (assignment.course_id, assignment.track_slug)
        if key not in live_tracks:
            course = db.session.get(Course, assignment.course_id)
            version = course.live_version if course else None
            live_tracks[key] = bool(version and version.track(assignment.track_slug))
        if not live_tracks[key]:
            continue
        if assignment.department_id is not None:
            by_dept.setdefault(assignment.department_id, []).append(assignment)
        else:
            by_org.setdefault(assignment.organisation_id, []).append(assignment)
    result: dict[tuple[int, int, str], dict] = {}
    for user in users:
        found = by_org.get(user.organisation_id, []) + by_dept.get(user.department_id, [])
        for assignment in found:
            due = assignment.due_on if assignment.due_on and assignment.due_on >= today else None
            key = (user.id, assignment.course_id, assignment.track_slug)
            current = result.get(key)
            if current is None or (
                due is not None and (current["due_on"] is None or due < current["due_on"])
            ):
                result[key] = {
                    "user_id": user.id,
                    "course_id": assignment.course_id,
                    "track_slug": assignment.track_slug,
                    "due_on": due,
                    "assignment_id": assignment.id,
                }
    return list(result.values())


@dataclass(frozen=True)
class AssignmentRow:
    """One assignment as listed to admins, with how its people are doing."""

    id: int
    course_id: int
    track_slug: str
    target_kind: str
    target_name: str
    organisation_name: str
    due_on: date | None
    created_at: object
    people: int
    completed: int
    overdue: int


def assignment_query(scope: Scope, today: date):
    """Return the SELECT of the assignments inside ``scope``, newest first, with counts.

    Columns: id, course id, track slug, person's name, department's name, organisation's
    name, due date, when made, and its people, completed and overdue. Shared by the page
    and the CSV export; read a row with :func:`assignment_row`.
    """
    target_user = aliased(User)
    org = aliased(Organisation)
    counts = (
        track_counts(Enrolment.assignment_id, today)
        .where(Enrolment.assignment_id.is_not(None))
        .subquery()
    )
    org_id = func.coalesce(
        Assignment.organisation_id, Department.organisation_id, target_user.organisation_id
    )
    return (
        select(
            Assignment.id,
            Assignment.course_id,
            Assignment.track_slug,
            target_user.name,
            Department.name,
            org.name,
            Assignment.due_on,
            Assignment.created_at,
            func.coalesce(counts.c.tracks, 0),
            func.coalesce(counts.c.completed, 0),
            func.coalesce(counts.c.overdue, 0),
        )
        .outerjoin(Department, Department.id == Assignment.department_id)
        .outerjoin(target_user, target_user.id == Assignment.user_id)
        .outerjoin(org, org.id == org_id)
        .outerjoin(counts, counts.c.key == Assignment.id)
        .where(*scope.conditions(org_id))
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    )


def assignment_row(values) -> AssignmentRow:
    """Return a listed assignment from a row of :func:`assignment_query`."""
    (
        assignment_id, course_id, track_slug, user_name, dept_name, org_name, due_on,
        created_at, people, completed, overdue,
    ) = values  # fmt: skip
    if user_name is not None:
        kind, name = "person", user_name
    elif dept_name is not None:
        kind, name = "department", dept_name
    else:
        kind, name = "organisation", org_name
    return AssignmentRow(
        id=assignment_id,
        course_id=course_id,
        track_slug=track_slug,
        target_kind=kind,
        target_name=name or "",
        organisation_name=org_name or "",
        due_on=due_on,
        created_at=created_at,
        people=people,
        completed=completed,
        overdue=overdue,
    )


def list_assignments(scope: Scope, today: date | None = None) -> list[AssignmentRow]:
    """Return the assignments inside ``scope``, newest first, with counts (one query)."""
    query = assignment_query(scope, today or date.today())
    return [assignment_row(r) for r in db.session.execute(query)]
