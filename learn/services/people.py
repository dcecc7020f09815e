"""People, as admins manage them: list, create, import from CSV, roles, deactivation.

A CSV import is checked in full before anything is written. The parsed rows are kept in a
``PeopleImport`` row between the preview and the confirmation (no server-side state outside
the database); confirming re-checks every row and imports in one transaction, either all
rows or, when the admin asks, only the good ones.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext
from sqlalchemy import and_, case, delete, exists, func, insert, or_, select

from learn.extensions import db
from learn.models import (
    AuditEvent,
    Certificate,
    Department,
    Enrolment,
    Module,
    ModuleVersion,
    Organisation,
    PasswordReset,
    PeopleImport,
    Person,
    QuizAttempt,
    Role,
    User,
)
from learn.models.base import utcnow
from learn.services import accounts, mail
from learn.services.catalogue import live_courses
from learn.services.scope import Scope

logger = logging.getLogger(__name__)

#: The most rows one CSV file may hold.
MAX_IMPORT_ROWS = 50_000
#: Reset links made for imported people stay valid this long (they may be sent out later).
IMPORT_RESET_HOURS = 14 * 24
#: An upload waiting for confirmation is deleted after this long.
IMPORT_KEPT_FOR = timedelta(days=2)


class PeopleError(Exception):
    """A request about a person that cannot be carried out; ``code`` says why."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


# --- who may do what ---------------------------------------------------------------------


def assignable_roles(actor: Person | None) -> tuple[Role, ...]:
    """Return the roles ``actor`` may give: organisation admins up to their own role."""
    if actor is None or actor.role == Role.PLATFORM_ADMIN:
        return tuple(Role)
    return (Role.LEARNER, Role.TRAINER, Role.ORG_ADMIN)


def get_person(scope: Scope, user_id: int) -> User:
    """Return the person ``user_id`` if inside ``scope``; a 404 error otherwise."""
    user = db.session.get(User, user_id)
    if user is None or not scope.allows(user.organisation_id):
        raise PeopleError("not_found", 404)
    return user


def _check_can_manage(actor: Person, scope: Scope, user: User) -> None:
    if not scope.allows(user.organisation_id):
        raise PeopleError("not_found", 404)
    if user.id == actor.id:
        raise PeopleError("not_yourself", 403)
    if user.role == Role.PLATFORM_ADMIN and actor.role != Role.PLATFORM_ADMIN:
        raise PeopleError("not_allowed", 403)


def _audit(actor: Person | None, action: str, subject: str, detail: dict | None = None) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            subject=subject,
            detail=detail or {},
        )
    )


def reset_url(token: str) -> str:
    """Return the address of a one-time password link."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/reset/{token}"


def _mail_link(user: User, token: str) -> bool:
    """Send a person their link when mail is configured; return whether it was sent."""
    if not mail.is_mail_configured():
        return False
    site = current_app.config["SITE_NAME"]
    body = gettext(
        "An account has been made for you on %(site)s.\n\n"
        "Choose your password with this link (it works once):\n%(url)s\n",
        site=site,
        url=reset_url(token),
    )
    return mail.send_mail(user.email, gettext("Your %(site)s account", site=site), body)


# --- one person --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPerson:
    """What an admin gives to create one person."""

    name: str
    email: str
    organisation_id: int
    department_id: int | None
    role: Role = Role.LEARNER


@dataclass(frozen=True)
class IssuedLink:
    """A one-time password link made for a person; shown once to the admin."""

    user_id: int
    name: str
    email: str
    url: str
    mailed: bool = False


def create_person(actor: Person, scope: Scope, person: NewPerson) -> IssuedLink:
    """Create a person without a password and return their one-time password link.

    They get the tracks assigned to their organisation and department.

    :raises PeopleError: organisation outside the scope, role not allowed.
    :raises accounts.AccountError: the email is taken, or the department is not the org's.
    """
    if not scope.allows(person.organisation_id):
        raise PeopleError("organisation_not_yours", 403)
    if person.role not in assignable_roles(actor):
        raise PeopleError("role_not_allowed", 403)
    user = accounts.create_user(
        accounts.NewAccount(
            name=person.name,
            email=person.email,
            password=None,
            organisation_id=person.organisation_id,
            department_id=person.department_id,
            role=person.role,
        ),
        commit=False,
    )
    token = accounts.new_password_reset(user, actor, hours=IMPORT_RESET_HOURS)
    _audit(actor, "user_created", f"user:{user.id}", {"role": str(person.role)})
    db.session.commit()
    logger.info("person created id=%s by=%s", user.id, actor.id)
    mailed = _mail_link(user, token)
    return IssuedLink(user.id, user.name, user.email, reset_url(token), mailed)


def set_active(actor: Person, scope: Scope, user: User, active: bool) -> None:
    """Deactivate or reactivate a person; their records are kept either way."""
    _check_can_manage(actor, scope, user)
    if user.active == active:
        return
    user.active = active
    if not active:
        # Signs the person out everywhere.
        user.session_token = secrets.token_hex(16)
    _audit(actor, "user_reactivated" if active else "user_deactivated", f"user:{user.id}")
    db.session.commit()
    logger.info("person active=%s id=%s by=%s", active, user.id, actor.id)


def change_role(actor: Person, scope: Scope, user: User, role: Role) -> None:
    """Give a person another role, within what the actor's own role allows."""
    _check_can_manage(actor, scope, user)
    if role not in assignable_roles(actor):
        raise PeopleError("role_not_allowed", 403)
    if user.role == role:
        return
    before = user.role
    user.role = role
    _audit(actor, "role_changed", f"user:{user.id}", {"from": str(before), "to": str(role)})
    db.session.commit()
    logger.info("role changed id=%s to=%s by=%s", user.id, role, actor.id)


def move_person(actor: Person, scope: Scope, user: User, department_id: int | None) -> int:
    """Move a person to another department of their organisation; they get its assignments.

    Returns the number of assignments applied.
    """
    if not scope.allows(user.organisation_id):
        raise PeopleError("not_found", 404)
    if department_id is not None:
        department = db.session.get(Department, department_id)
        if department is None or department.organisation_id != user.organisation_id:
            raise PeopleError("department_not_in_organisation")
    if user.department_id == department_id:
        return 0
    user.department_id = department_id
    db.session.flush()
    from learn.services.assignments import apply_inherited_assignments
    from learn.services.tracks import sync_enrolment_places

    sync_enrolment_places(user)
    applied = apply_inherited_assignments(user)
    _audit(actor, "user_moved", f"user:{user.id}", {"department": department_id})
    db.session.commit()
    return applied


def issue_reset_link(actor: Person, scope: Scope, user: User) -> IssuedLink:
    """Make a one-time password link for a person (mailed too when mail is configured)."""
    if not scope.allows(user.organisation_id):
        raise PeopleError("not_found", 404)
    if user.role == Role.PLATFORM_ADMIN and actor.role != Role.PLATFORM_ADMIN:
        raise PeopleError("not_allowed", 403)
    token = accounts.issue_password_reset(user, actor)
    mailed = _mail_link(user, token)
    return IssuedLink(user.id, user.name, user.email, reset_url(token), mailed)


# --- listing people ----------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleFilter:
    """What the person list is narrowed to; every field is optional."""

    q: str = ""
    organisation_id: int | None = None
    department_id: int | None = None
    role: Role | None = None
    #: "active" or "inactive"
    status: str | None = None
    course_id: int | None = None
    track_slug: str | None = None
    #: "overdue", "not_completed" or "completed" (on the chosen track, or on any)
    progress: str | None = None


@dataclass(frozen=True)
class PersonRow:
    """One person in the admin list, with a summary of their tracks."""

    id: int
    name: str
    email: str
    organisation: str
    department: str | None
    role: str
    active: bool
    tracks: int
    completed: int
    overdue: int


@dataclass(frozen=True)
class PeoplePage:
    """One page of the person list."""

    rows: tuple[PersonRow, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def place_conditions(scope: Scope, organisation_id: int | None, department_id: int | None) -> list:
    """Return the WHERE conditions on ``User``: inside ``scope``, in the places asked for."""
    conditions = scope.conditions(User.organisation_id, organisation_id)
    if department_id is not None:
        conditions.append(User.department_id == department_id)
    return conditions


def people_conditions(scope: Scope, filters: PeopleFilter, today: date) -> list:
    """Return the WHERE conditions on ``User`` for ``filters`` inside ``scope``."""
    conditions = place_conditions(scope, filters.organisation_id, filters.department_id)
    if filters.role is not None:
        conditions.append(User.role == filters.role)
    if filters.status == "active":
        conditions.append(User.active.is_(True))
    elif filters.status == "inactive":
        conditions.append(User.active.is_(False))
    if filters.q.strip():
        pattern = _like_pattern(filters.q.strip())
        conditions.append(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
            )
        )
    track = [Enrolment.user_id == User.id]
    if filters.course_id is not None and filters.track_slug:
        track += [
            Enrolment.course_id == filters.course_id,
            Enrolment.track_slug == filters.track_slug,
        ]
    if filters.progress == "overdue":
        track += [Enrolment.completed_at.is_(None), Enrolment.due_on < today]
    elif filters.progress == "not_completed":
        track.append(Enrolment.completed_at.is_(None))
    elif filters.progress == "completed":
        track.append(Enrolment.completed_at.is_not(None))
    if len(track) > 1:
        conditions.append(exists().where(and_(*track)))
    return conditions


def person_query(*conditions):
    """Return the SELECT of people with their organisation's and department's names.

    Columns: id, name, email, organisation, department, role, active, organisation id.
    Shared by the person list and the reporting API.
    """
    return (
        select(
            User.id,
            User.name,
            User.email,
            Organisation.name,
            Department.name,
            User.role,
            User.active,
            User.organisation_id,
        )
        .join(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(*conditions)
    )


def list_people(
    scope: Scope,
    filters: PeopleFilter,
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
) -> PeoplePage:
    """Return one page of people (by name) with their track counts, in three queries."""
    today = today or date.today()
    conditions = people_conditions(scope, filters, today)
    total = db.session.scalar(select(func.count(User.id)).where(*conditions)) or 0
    page = max(1, page)
    rows = db.session.execute(
        person_query(*conditions)
        .order_by(User.name, User.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    counts = enrolment_counts([r[0] for r in rows], today)
    return PeoplePage(
        tuple(
            PersonRow(
                id=r[0],
                name=r[1],
                email=r[2],
                organisation=r[3],
                department=r[4],
                role=str(r[5]),
                active=bool(r[6]),
                tracks=counts.get(r[0], (0, 0, 0))[0],
                completed=counts.get(r[0], (0, 0, 0))[1],
                overdue=counts.get(r[0], (0, 0, 0))[2],
            )
            for r in rows
        ),
        total,
        page,
        per_page,
    )


def track_counts(key, today: date):
    """Return a SELECT of ``key`` (an ``Enrolment`` column) with its tracks counted.

    Columns ``key``, ``tracks``, ``completed`` and ``overdue`` (due date passed, not
    completed), one row per value of ``key``: per person, or per assignment.
    """
    late = and_(Enrolment.completed_at.is_(None), Enrolment.due_on < today)
    return select(
        key.label("key"),
        func.count().label("tracks"),
        func.count(Enrolment.completed_at).label("completed"),
        func.count(case((late, 1))).label("overdue"),
    ).group_by(key)


def enrolment_counts(user_ids: list[int], today: date) -> dict[int, tuple[int, int, int]]:
    """Return {user id: (tracks, completed, overdue)} for a page of people (one query)."""
    if not user_ids:
        return {}
    query = track_counts(Enrolment.user_id, today).where(Enrolment.user_id.in_(user_ids))
    return {
        key: (tracks, completed, overdue)
        for key, tracks, completed, overdue in db.session.execute(query)
    }


# --- one person's record -----------------------------------------------------------------


@dataclass(frozen=True)
class AttemptLine:
    """One quiz attempt on the person page."""

    module_title: str
    number: int
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    passed: bool | None


def attempts_of(user: User, limit: int = 200) -> list[AttemptLine]:
    """Return a person's latest quiz attempts with module titles (one query)."""
    rows = db.session.execute(
        select(ModuleVersion.title, QuizAttempt)
        .join(Module, Module.id == QuizAttempt.module_id)
        .join(ModuleVersion, ModuleVersion.id == Module.live_version_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.started_at.desc(), QuizAttempt.id.desc())
        .limit(limit)
    ).all()
    return [
        AttemptLine(title, a.number, a.started_at, a.submitted_at, a.score, a.passed)
        for title, a in rows
    ]


def certificates_of(user: User) -> list[Certificate]:
    """Return a person's certificates, newest first."""
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


@dataclass(frozen=True)
class TrackLine:
    """One of a person's tracks on the person page: progress, due date, overdue."""

    title: str
    origin: str
    due_on: date | None
    done: int
    total: int
    completed_at: datetime | None
    is_overdue: bool

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class PersonRecord:
    """Everything the person page shows about one learner."""

    tracks: tuple[TrackLine, ...]
    attempts: tuple[AttemptLine, ...]
    certificates: tuple[tuple[Certificate, str], ...]


def person_record(user: User, today: date | None = None) -> PersonRecord:
    """Return a person's tracks with progress, their attempts and their certificates."""
    from learn.services.certificates import status_of
    from learn.services.learning import track_progress
    from learn.services.tracks import enrolments

    today = today or date.today()
    lines = []
    for enrolment in enrolments(user):
        progress = track_progress(user, enrolment)
        lines.append(
            TrackLine(
                title=progress.track["title"],
                origin=enrolment.origin,
                due_on=enrolment.due_on,
                done=progress.done,
                total=progress.total,
                completed_at=enrolment.completed_at
                or (progress.completion.completed_at if progress.completion else None),
                is_overdue=progress.is_overdue(today),
            )
        )
    return PersonRecord(
        tuple(lines),
        tuple(attempts_of(user)),
        tuple((c, str(status_of(c, today))) for c in certificates_of(user)),
    )


# --- CSV import --------------------------------------------------------------------------

#: Accepted header names (compared case-insensitively, spaces and underscores alike).
HEADERS = {
    "name": ("name", "full name", "fullname"),
    "email": ("email", "email address", "e-mail", "mail"),
    "organisation": ("organisation", "organization", "org"),
    "department": ("department", "dept", "unit"),
    "role": ("role",),
    "track": ("track", "course track"),
    "due_date": ("due date", "due", "due on", "deadline"),
}
REQUIRED_HEADERS = ("name", "email")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


class CsvFileError(Exception):
    """The file as a whole cannot be read: ``code`` says why, ``detail`` adds the names."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class CsvRow:
    """One data row of a people CSV: its line number in the file and its values."""

    line: int
    values: dict[str, str]


def _header_key(text: str) -> str | None:
    cleaned = re.sub(r"[\s_]+", " ", text.strip().lower())
    for key, names in HEADERS.items():
        if cleaned in names:
            return key
    return None


def _sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;").delimiter
    except csv.Error:
        return ";" if first.count(";") > first.count(",") else ","


def read_people_csv(data: bytes) -> list[CsvRow]:
    """Parse a people CSV: UTF-8 (with or without BOM), comma or semicolon, quoted fields.

    :raises CsvFileError: not UTF-8, no header, a required column missing, no rows, or
        more than :data:`MAX_IMPORT_ROWS` rows.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvFileError("not_utf8") from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise CsvFileError("empty")
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(text))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CsvFileError("empty") from exc
    keys = [_header_key(h) for h in header]
    missing = [k for k in REQUIRED_HEADERS if k not in keys]
    if missing:
        raise CsvFileError("missing_columns", ", ".join(missing))
    rows: list[CsvRow] = []
    line = reader.line_num + 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            values = {k: "" for k in HEADERS}
            for key, cell in zip(keys, record, strict=False):
                if key is not None:
                    values[key] = cell.strip()
            rows.append(CsvRow(start, values))
            if len(rows) > MAX_IMPORT_ROWS:
                raise CsvFileError("too_many_rows", str(MAX_IMPORT_ROWS))
    except csv.Error as exc:
        raise CsvFileError("malformed", str(line)) from exc
    if not rows:
        raise CsvFileError("no_rows")
    return rows


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class _Lookups:
    """What checking rows needs from the database, loaded once per file."""

    organisations: dict[str, tuple[int, str]]
    departments: dict[tuple[int, str], int]
    tracks: dict[str, tuple[int, str, str]]
    taken: set[str] = field(default_factory=set)


def _track_lookup() -> dict[str, tuple[int, str, str]]:
    """Return every way a live track may be named: key, slug or title, lower-cased."""
    names: dict[str, tuple[int, str, str]] = {}
    for course in live_courses():
        for track in course.live_version.tracks:
            value = (course.id, track["slug"], f"{course.slug}/{track['slug']}")
            for name in (value[2], track["slug"], track["title"]):
                names.setdefault(name.strip().lower(), value)
    return names


def _load_lookups(rows: list[CsvRow]) -> _Lookups:
    organisations = {
        name.lower(): (org_id, name)
        for org_id, name in db.session.execute(select(Organisation.id, Organisation.name))
    }
    departments = {
        (org_id, name.lower()): dept_id
        for dept_id, org_id, name in db.session.execute(
            select(Department.id, Department.organisation_id, Department.name)
        )
    }
    lookups = _Lookups(organisations, departments, _track_lookup())
    emails = sorted({r.values["email"].strip().lower() for r in rows if r.values["email"]})
    for i in range(0, len(emails), 500):
        chunk = emails[i : i + 500]
        lookups.taken.update(db.session.scalars(select(User.email).where(User.email.in_(chunk))))
    return lookups


def check_rows(
    actor: Person | None, scope: Scope, rows: list[CsvRow], today: date | None = None
) -> list[dict]:
    """Check every row; return them as dicts with "errors" and "notes" (codes, not text).

    A row dict: {"line", "values" (as typed), "resolved" (what would be stored), "errors":
    [{"code", ...}], "notes": [{"code", ...}]}. Nothing is written.
    """
    today = today or date.today()
    lookups = _load_lookups(rows)
    allowed_roles = {r.value for r in assignable_roles(actor)}
    own_org = db.session.get(Organisation, scope.organisation_id) if not scope.is_all else None
    lines_of: dict[str, list[int]] = {}
    checked = []
    for row in rows:
        v = row.values
        errors: list[dict] = []
        notes: list[dict] = []
        resolved: dict = {}
        name = v["name"]
        if not name:
            errors.append({"code": "missing_name"})
        elif len(name) > 200:
            errors.append({"code": "name_too_long"})
        resolved["name"] = name
        email = accounts.normalise_email(v["email"])
        if not email:
            errors.append({"code": "missing_email"})
        else:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                errors.append({"code": "bad_email"})
            else:
                if email in lookups.taken:
                    errors.append({"code": "email_taken"})
                lines_of.setdefault(email, []).append(row.line)
        resolved["email"] = email
        org_name = v["organisation"]
        if own_org is not None:
            if org_name and org_name.lower() != own_org.name.lower():
                errors.append({"code": "organisation_not_yours"})
            resolved["organisation"] = own_org.name
            org_id: int | None = own_org.id
        elif not org_name:
            errors.append({"code": "missing_organisation"})
            org_id = None
        else:
            found = lookups.organisations.get(org_name.lower())
            org_id = found[0] if found else None
            resolved["organisation"] = found[1] if found else org_name
            if found is None:
                notes.append({"code": "new_organisation", "name": org_name})
        dept = v["department"]
        resolved["department"] = dept or None
        if dept and (org_id is None or (org_id, dept.lower()) not in lookups.departments):
            if not any(e["code"].startswith("organisation") for e in errors):
                notes.append({"code": "new_department", "name": dept})
        role = (v["role"] or "learner").strip().lower().replace(" ", "_").replace("-", "_")
        if role not in {r.value for r in Role}:
            errors.append({"code": "unknown_role", "value": v["role"]})
        elif role not in allowed_roles:
            errors.append({"code": "role_not_allowed", "value": role})
        resolved["role"] = role
        track = v["track"]
        resolved["track"] = None
        if track:
            found_track = lookups.tracks.get(track.lower())
            if found_track is None:
                errors.append({"code": "unknown_track", "value": track})
            else:
                resolved["track"] = found_track[2]
        due_text = v["due_date"]
        resolved["due_on"] = None
        if due_text:
            due = _parse_date(due_text)
            if due is None:
                errors.append({"code": "bad_date", "value": due_text})
            elif due < today:
                errors.append({"code": "date_in_past", "value": due.isoformat()})
            else:
                resolved["due_on"] = due.isoformat()
            if not track:
                errors.append({"code": "due_without_track"})
        checked.append(
            {
                "line": row.line,
                "values": dict(v),
                "resolved": resolved,
                "errors": errors,
                "notes": notes,
            }
        )
    # A duplicate makes every copy bad: the admin must say which one is meant.
    by_line = {r["line"]: r for r in checked}
    for lines in lines_of.values():
        if len(lines) > 1:
            for line in lines:
                other = next(x for x in lines if x != line)
                by_line[line]["errors"].append({"code": "duplicate_in_file", "line": other})
    return checked


@dataclass(frozen=True)
class ImportPreview:
    """A checked file: every row with its problems, waiting for confirmation."""

    import_id: int | None
    filename: str
    rows: tuple[dict, ...]

    @property
    def bad_rows(self) -> list[dict]:
        return [r for r in self.rows if r["errors"]]

    @property
    def good_rows(self) -> list[dict]:
        return [r for r in self.rows if not r["errors"]]


def preview_import(actor: Person, scope: Scope, filename: str, data: bytes) -> ImportPreview:
    """Parse and check an uploaded CSV and keep it for confirmation; nothing is imported.

    :raises CsvFileError: the file cannot be read as a people CSV.
    """
    rows = check_rows(actor, scope, read_people_csv(data))
    # Uploads never confirmed are not kept: they hold names and email addresses.
    db.session.execute(
        delete(PeopleImport).where(PeopleImport.created_at < utcnow() - IMPORT_KEPT_FOR)
    )
    stored = PeopleImport(
        created_by_id=actor.id,
        organisation_id=scope.organisation_id,
        filename=(filename or "people.csv")[:255],
        rows=rows,
    )
    db.session.add(stored)
    db.session.commit()
    return ImportPreview(stored.id, stored.filename, tuple(rows))


def get_import(actor: Person, import_id: int) -> PeopleImport:
    """Return an import the actor uploaded and has not confirmed yet; 404 otherwise."""
    stored = db.session.get(PeopleImport, import_id)
    if stored is None or stored.created_by_id != actor.id:
        raise PeopleError("not_found", 404)
    return stored


def stored_preview(stored: PeopleImport) -> ImportPreview:
    """Return the preview of a stored import."""
    return ImportPreview(stored.id, stored.filename, tuple(stored.rows))


@dataclass(frozen=True)
class ImportOutcome:
    """What confirming an import did: the links made, or the rows that stopped it."""

    links: tuple[IssuedLink, ...]
    skipped: int
    problems: tuple[dict, ...] = ()

    @property
    def is_imported(self) -> bool:
        return not self.problems


def confirm_import(
    actor: Person, scope: Scope, stored: PeopleImport, *, good_only: bool
) -> ImportOutcome:
    """Re-check the stored rows and import them in one transaction.

    Without ``good_only`` any bad row stops the whole import (nothing is written); with it,
    the bad rows are left out. The rows are checked again because the database may have
    changed since the preview (an email taken meanwhile, a track withdrawn).
    """
    if stored.imported_at is not None:
        raise PeopleError("already_imported", 409)
    rows = [CsvRow(r["line"], r["values"]) for r in stored.rows]
    outcome = import_rows(actor, scope, rows, good_only=good_only, stored=stored)
    if not outcome.is_imported:
        stored.rows = list(outcome.problems)
        db.session.commit()
    return outcome


def import_rows(
    actor: Person | None,
    scope: Scope,
    rows: list[CsvRow],
    *,
    good_only: bool,
    stored: PeopleImport | None = None,
    today: date | None = None,
) -> ImportOutcome:
    """Check and import rows all or nothing (or only the good ones); return the links."""
    today = today or date.today()
    checked = check_rows(actor, scope, rows, today)
    bad = [r for r in checked if r["errors"]]
    if bad and not good_only:
        return ImportOutcome((), 0, tuple(checked))
    good = [r for r in checked if not r["errors"]]
    try:
        links = _write_people(actor, good, today)
        if stored is not None:
            stored.imported_at = utcnow()
            stored.rows = []
        _audit(
            actor,
            "people_imported",
            f"organisation:{scope.organisation_id}" if not scope.is_all else "organisations:all",
            {"imported": len(links), "skipped": len(bad)},
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    logger.info("people imported count=%s skipped=%s", len(links), len(bad))
    mailed = {link.user_id for link in links if mail.is_mail_configured()}
    if mailed:
        links = [
            IssuedLink(
                link.user_id,
                link.name,
                link.email,
                link.url,
                _mail_link(db.session.get(User, link.user_id), link.url.rsplit("/", 1)[1]),
            )
            for link in links
        ]
    return ImportOutcome(tuple(links), len(bad))


def _write_people(actor: Person | None, rows: list[dict], today: date) -> list[IssuedLink]:
    """Write checked rows: organisations, departments, people, enrolments and reset links."""
    from learn.services.assignments import inherited_enrolments

    if not rows:
        return []
    users = []
    for row in rows:
        r = row["resolved"]
        org = accounts.ensure_organisation(r["organisation"])
        dept = accounts.ensure_department(org, r["department"]) if r["department"] else None
        users.append(
            User(
                email=r["email"],
                name=r["name"],
                password_hash=None,
                role=Role(r["role"]),
                organisation_id=org.id,
                department_id=dept.id if dept else None,
                session_token=secrets.token_hex(16),
            )
        )
    db.session.add_all(users)
    db.session.flush()
    tracks = _track_lookup()
    wanted: dict[tuple[int, int, str], dict] = {}
    for user, row in zip(users, rows, strict=True):
        key = row["resolved"]["track"]
        if key:
            course_id, slug, _ = tracks[key]
            due = (
                date.fromisoformat(row["resolved"]["due_on"]) if row["resolved"]["due_on"] else None
            )
            wanted[(user.id, course_id, slug)] = {
                "due_on": due,
                "origin": "admin",
                "assignment_id": None,
            }
    for item in inherited_enrolments(users, today):
        key = (item["user_id"], item["course_id"], item["track_slug"])
        current = wanted.get(key)
        if current is None or (
            item["due_on"] is not None
            and (current["due_on"] is None or item["due_on"] < current["due_on"])
        ):
            wanted[key] = {
                "due_on": item["due_on"],
                "origin": "admin",
                "assignment_id": item["assignment_id"],
            }
    now = utcnow()
    places = {u.id: (u.organisation_id, u.department_id) for u in users}
    enrolments = [
        {
            "user_id": u,
            "organisation_id": places[u][0],
            "department_id": places[u][1],
            "course_id": c,
            "track_slug": t,
            "chosen_at": now,
            **rest,
        }
        for (u, c, t), rest in wanted.items()
    ]
    for i in range(0, len(enrolments), 1000):
        db.session.execute(insert(Enrolment), enrolments[i : i + 1000])
    links = []
    for user in users:
        token = accounts.new_password_reset(user, actor, hours=IMPORT_RESET_HOURS)
        links.append(IssuedLink(user.id, user.name, user.email, reset_url(token)))
    return links


def outstanding_resets(user: User) -> int:
    """Return how many unused, unexpired password links a person has."""
    return (
        db.session.scalar(
            select(func.count(PasswordReset.id)).where(
                PasswordReset.user_id == user.id,
                PasswordReset.used_at.is_(None),
                PasswordReset.expires_at > utcnow(),
            )
        )
        or 0
    )


def links_csv(links: Iterable[IssuedLink]) -> str:
    """Return the one-time links as CSV text (name, email, link) for the admin to send."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "link"])
    for link in links:
        writer.writerow([_safe_cell(link.name), _safe_cell(link.email), link.url])
    return out.getvalue()


def _safe_cell(value: str) -> str:
    from learn.services.exports import safe_cell

    return safe_cell(value)


def department_choices(scope: Scope) -> list[tuple[int, str, str]]:
    """Return (id, organisation name, department name) for the departments in scope."""
    query = (
        select(Department.id, Organisation.name, Department.name)
        .join(Organisation, Organisation.id == Department.organisation_id)
        .order_by(Organisation.name, Department.name)
    )
    if not scope.is_all:
        query = query.where(Department.organisation_id == scope.organisation_id)
    return [tuple(r) for r in db.session.execute(query)]


def organisation_choices(scope: Scope) -> list[tuple[int, str]]:
    """Return (id, name) of the organisations in scope, by name."""
    query = select(Organisation.id, Organisation.name).order_by(Organisation.name)
    if not scope.is_all:
        query = query.where(Organisation.id == scope.organisation_id)
    return [tuple(r) for r in db.session.execute(query)]
