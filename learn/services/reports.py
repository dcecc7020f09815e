"""Reports for admins and the API: every figure aggregated in SQL, returned as frozen rows.

Figures are computed with GROUP BY in the database (never by looping over ORM objects), so
they stay fast at national scale. "Overdue" is computed (due date passed, not completed);
"started" means the person has completed the track or opened one of its modules.

The date range of a :class:`ReportFilter` bounds what *happened*: completions, quiz
attempts and certificates issued. People assigned, started and overdue are counted as of
today.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from learn.core import certificate as certificate_rules
from learn.extensions import db
from learn.models import (
    AuditEvent,
    Certificate,
    Department,
    Enrolment,
    Gender,
    Module,
    ModuleVersion,
    Organisation,
    Person,
    QuizAttempt,
    QuizTally,
    User,
)
from learn.models.user import AgeBand
from learn.services.catalogue import live_courses
from learn.services.people import person_query, place_conditions
from learn.services.scope import Scope

#: Cells of the reach tables under this many people are not shown.
SUPPRESS_BELOW = 5
#: "Expiring soon" means within this many days.
EXPIRING_DAYS = 90
#: Weeks shown in the completions-over-time chart when no date range is given.
DEFAULT_WEEKS = 12


# --- filters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    """What every report can be narrowed to; all optional. ``date_to`` is inclusive."""

    organisation_id: int | None = None
    department_id: int | None = None
    course_id: int | None = None
    track_slug: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def has_track(self) -> bool:
        return self.course_id is not None and bool(self.track_slug)

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def instant_range(self) -> tuple[datetime | None, datetime | None]:
        """Return the range as UTC instants: [from midnight, to the midnight after)."""
        start = datetime.combine(self.date_from, time.min, tzinfo=UTC) if self.date_from else None
        end = (
            datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=UTC)
            if self.date_to
            else None
        )
        return start, end


def _in_range(column, f: ReportFilter) -> list:
    start, end = f.instant_range()
    conditions = [column.is_not(None)]
    if start is not None:
        conditions.append(column >= start)
    if end is not None:
        conditions.append(column < end)
    return conditions


def _date_in_range(column, f: ReportFilter) -> list:
    conditions = []
    if f.date_from is not None:
        conditions.append(column >= f.date_from)
    if f.date_to is not None:
        conditions.append(column <= f.date_to)
    return conditions


def _people(scope: Scope, f: ReportFilter) -> list:
    """Conditions on ``User`` for the scope and the organisation/department filters."""
    return place_conditions(scope, f.organisation_id, f.department_id)


def _enrolment_places(scope: Scope, f: ReportFilter) -> list:
    """Conditions on ``Enrolment`` for the scope and the organisation/department filters.

    Enrolments carry their person's organisation and department, so the big reports never
    join people.
    """
    conditions = scope.conditions(Enrolment.organisation_id, f.organisation_id)
    if f.department_id is not None:
        conditions.append(Enrolment.department_id == f.department_id)
    return conditions


def _track(f: ReportFilter) -> list:
    if not f.has_track:
        return []
    return [Enrolment.course_id == f.course_id, Enrolment.track_slug == f.track_slug]


# --- the catalogue, as reports name it ---------------------------------------------------


@dataclass(frozen=True)
class TrackInfo:
    """A live track: its course, slug, title and the ids of its modules."""

    course_id: int
    course_slug: str
    slug: str
    title: str
    module_ids: tuple[int, ...]

    @property
    def key(self) -> str:
        return f"{self.course_slug}/{self.slug}"


def live_tracks() -> list[TrackInfo]:
    """Return every live track with its module ids (two queries)."""
    courses = live_courses()
    modules = {
        (course_id, slug): module_id
        for module_id, course_id, slug in db.session.execute(
            select(Module.id, Module.course_id, Module.slug).where(
                Module.course_id.in_([c.id for c in courses])
            )
        )
    }
    several = len(courses) > 1
    result = []
    for course in courses:
        version = course.live_version
        for track in version.tracks:
            title = f"{version.title}: {track['title']}" if several else track["title"]
            ids = tuple(
                modules[(course.id, s)] for s in track["modules"] if (course.id, s) in modules
            )
            result.append(TrackInfo(course.id, course.slug, track["slug"], title, ids))
    return result


def find_track(key: str) -> TrackInfo | None:
    """Return the live track named ``course/track``, or None."""
    return next((t for t in live_tracks() if t.key == key), None)


def _started():
    """Return the SQL condition "this enrolment has been started".

    ``started_at`` is set when the learner first opens one of the track's modules (see
    :mod:`learn.services.tracks`); a completed track counts as started whatever it says.
    """
    return or_(Enrolment.started_at.is_not(None), Enrolment.completed_at.is_not(None))


# --- completion --------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletionRow:
    """Completion figures for one organisation, department or track."""

    key: str
    label: str
    assigned: int
    started: int
    completed: int
    overdue: int

    @property
    def percent(self) -> int | None:
        """Completed as a whole percentage of assigned; None when nobody is assigned."""
        return round(100 * self.completed / self.assigned) if self.assigned else None


@dataclass(frozen=True)
class CompletionReport:
    """The dashboard's completion tables: by group (organisation or department) and track."""

    group_by: str
    groups: tuple[CompletionRow, ...]
    tracks: tuple[CompletionRow, ...]
    total: CompletionRow


def group_level(scope: Scope, f: ReportFilter) -> str:
    """Return "organisation" when several organisations are shown, else "department"."""
    return "organisation" if scope.narrow(f.organisation_id) is None else "department"


def completion_report(scope: Scope, f: ReportFilter, today: date | None = None) -> CompletionReport:
    """Return assigned, started, completed and overdue by group and by track (one query)."""
    today = today or date.today()
    tracks = live_tracks()
    level = group_level(scope, f)
    completed = and_(*_in_range(Enrolment.completed_at, f))
    overdue = and_(Enrolment.completed_at.is_(None), Enrolment.due_on < today)
    # Grouping by the leading columns of ix_enrolments_report lets the database read the
    # index in order, with no sort; the finer groups are added up below.
    keys = (
        Enrolment.organisation_id,
        Enrolment.department_id,
        Enrolment.course_id,
        Enrolment.track_slug,
    )
    query = (
        select(
            *keys,
            func.count(),
            func.sum(case((_started(), 1), else_=0)),
            func.sum(case((completed, 1), else_=0)),
            func.sum(case((overdue, 1), else_=0)),
        )
        .where(*_enrolment_places(scope, f), *_track(f))
        .group_by(*keys)
    )
    position = 0 if level == "organisation" else 1
    cells = [
        (row[position], row[2], row[3], *(int(v or 0) for v in row[4:]))
        for row in db.session.execute(query)
    ]
    names = _group_names(level, {c[0] for c in cells})
    titles = {(t.course_id, t.slug): (t.key, t.title) for t in tracks}

    def total(key, label, subset) -> CompletionRow:
        return CompletionRow(
            key,
            label,
            sum(c[3] for c in subset),
            sum(c[4] for c in subset),
            sum(c[5] for c in subset),
            sum(c[6] for c in subset),
        )

    group_rows = [
        total(str(g or ""), names.get(g, ""), [c for c in cells if c[0] == g])
        for g in {c[0] for c in cells}
    ]
    track_keys = {(c[1], c[2]) for c in cells}
    track_rows = [
        total(
            titles.get(k, (f"{k[0]}/{k[1]}", k[1]))[0],
            titles.get(k, (None, k[1]))[1],
            [c for c in cells if (c[1], c[2]) == k],
        )
        for k in track_keys
    ]
    return CompletionReport(
        level,
        tuple(sorted(group_rows, key=lambda r: (r.key == "", r.label.lower()))),
        tuple(sorted(track_rows, key=lambda r: r.label.lower())),
        total("all", "", cells),
    )


def _group_names(level: str, ids: Iterable[int | None]) -> dict[int | None, str]:
    ids = [i for i in ids if i is not None]
    model = Organisation if level == "organisation" else Department
    names: dict[int | None, str] = {None: ""}
    if ids:
        names.update(
            (i, n)
            for i, n in db.session.execute(select(model.id, model.name).where(model.id.in_(ids)))
        )
    return names


# --- completions over time ---------------------------------------------------------------


@dataclass(frozen=True)
class WeekRow:
    """Completions in the week starting on Monday ``week_start``."""

    week_start: date
    completions: int


def _as_int(condition):
    """Return a condition as 1 or 0: SQLite's booleans already are; PostgreSQL needs a cast."""
    if db.engine.dialect.name == "sqlite":
        # No CAST in the SQL (it costs a little per row); the sum is read as a number.
        return type_coerce(condition, Integer)
    return cast(condition, Integer)


def _day(column):
    """Return the UTC calendar day of a timestamp column, on either database."""
    if db.engine.dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def weekly_completions(scope: Scope, f: ReportFilter, today: date | None = None) -> list[WeekRow]:
    """Return completions week by week over the date range (default: the last 12 weeks)."""
    today = today or date.today()
    last = f.date_to or today
    first = f.date_from or (last - timedelta(weeks=DEFAULT_WEEKS - 1))
    first_monday = first - timedelta(days=first.weekday())
    bounded = ReportFilter(
        f.organisation_id, f.department_id, f.course_id, f.track_slug, first, last
    )
    day = _day(Enrolment.completed_at)
    query = (
        select(day, func.count())
        .where(
            *_in_range(Enrolment.completed_at, bounded),
            *_track(f),
            *_enrolment_places(scope, f),
        )
        .group_by(day)
    )
    weeks: dict[date, int] = {}
    monday = first_monday
    while monday <= last:
        weeks[monday] = 0
        monday += timedelta(weeks=1)
    for day_value, count in db.session.execute(query):
        if isinstance(day_value, str):
            day_value = date.fromisoformat(day_value)
        week = day_value - timedelta(days=day_value.weekday())
        if week in weeks:
            weeks[week] += count
    return [WeekRow(w, n) for w, n in weeks.items()]


# --- quizzes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizRow:
    """How one module's quiz goes: attempts, people, average score and pass rate."""

    module_id: int
    title: str
    attempts: int
    people: int
    average_score: float | None
    passed: int

    @property
    def attempts_per_person(self) -> float | None:
        return round(self.attempts / self.people, 2) if self.people else None

    @property
    def pass_rate(self) -> int | None:
        return round(100 * self.passed / self.attempts) if self.attempts else None


#: Attempts finished this recently are left to the live part of the quiz report, so a
#: transaction still committing an attempt with an earlier timestamp is never missed.
TALLY_SETTLE = timedelta(minutes=5)
#: How far behind the running totals may fall before a report moves them forward.
TALLY_REFRESH = timedelta(minutes=10)

# (attempts, people, score sum, passed) per module id
_Cells = dict[int, tuple[int, int, float, int]]


def _attempt_cells(scope: Scope, f: ReportFilter, since: datetime | None = None) -> _Cells:
    """Add up finished attempts live, per module (one grouped query)."""
    if since is not None:
        # Naming every module lets PostgreSQL seek (module_id, submitted_at) in the index
        # instead of reading every attempt (SQLite would skip-scan anyway).
        finished = [
            QuizAttempt.module_id.in_(db.session.scalars(select(Module.id)).all()),
            QuizAttempt.submitted_at >= since,
        ]
    elif f.has_dates:
        finished = _in_range(QuizAttempt.submitted_at, f)
    else:
        finished = [QuizAttempt.submitted_at.is_not(None)]
    query = (
        select(
            QuizAttempt.module_id,
            func.count(),
            # A person's first attempt is number 1: counting those counts people, without
            # the cost of COUNT(DISTINCT) over a million rows.
            func.sum(_as_int(QuizAttempt.number == 1)),
            func.sum(QuizAttempt.score),
            func.sum(_as_int(QuizAttempt.passed)),
        )
        .where(*finished)
        .group_by(QuizAttempt.module_id)
    )
    people = _people(scope, f)
    if people:
        query = query.join(User, User.id == QuizAttempt.user_id).where(*people)
    return {
        m: (n, int(p or 0), float(total or 0), int(ok or 0))
        for m, n, p, total, ok in db.session.execute(query)
    }


def advance_quiz_tallies(now: datetime | None = None) -> datetime:
    """Move the running quiz totals forward to a few minutes ago; return their moment.

    The first call counts every finished attempt (once); later calls add only what was
    finished since. Two requests advancing at once cannot both count the same attempts:
    each addition is conditional on the moment it started from, and the loser rolls back.
    """
    now = now or datetime.now(UTC)
    cutoff = now - TALLY_SETTLE
    current = db.session.scalar(select(func.max(QuizTally.up_to)))
    if current is not None and cutoff - current < TALLY_REFRESH:
        return current
    conditions = [QuizAttempt.submitted_at < cutoff]
    if current is not None:
        conditions.append(QuizAttempt.submitted_at >= current)
    delta = db.session.execute(
        select(
            QuizAttempt.module_id,
            User.organisation_id,
            func.count(),
            func.sum(_as_int(QuizAttempt.number == 1)),
            func.sum(QuizAttempt.score),
            func.sum(_as_int(QuizAttempt.passed)),
        )
        .join(User, User.id == QuizAttempt.user_id)
        .where(*conditions)
        .group_by(QuizAttempt.module_id, User.organisation_id)
    ).all()
    existing = {(t.module_id, t.organisation_id) for t in db.session.scalars(select(QuizTally))}
    try:
        for module_id, org_id, attempts, people, score_sum, passed in delta:
            values = {
                "attempts": attempts,
                "people": int(people or 0),
                "score_sum": float(score_sum or 0),
                "passed": int(passed or 0),
            }
            if (module_id, org_id) in existing:
                db.session.execute(
                    update(QuizTally)
                    .where(
                        QuizTally.module_id == module_id,
                        QuizTally.organisation_id == org_id,
                        QuizTally.up_to == current,
                    )
                    .values({k: getattr(QuizTally, k) + v for k, v in values.items()})
                    .execution_options(synchronize_session=False)
                )
            else:
                db.session.add(
                    QuizTally(module_id=module_id, organisation_id=org_id, up_to=cutoff, **values)
                )
        moved = db.session.execute(
            update(QuizTally)
            .where(QuizTally.up_to == current if current is not None else QuizTally.id.is_(None))
            .values(up_to=cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount
        if current is not None and moved != len(existing):
            raise IntegrityError("quiz tallies moved by another request", None, Exception())
        db.session.commit()
    except IntegrityError:
        # Another request moved them first: use theirs.
        db.session.rollback()
        return db.session.scalar(select(func.max(QuizTally.up_to))) or cutoff
    return cutoff


def _tally_cells(scope: Scope, f: ReportFilter, now: datetime | None) -> _Cells:
    """Running totals plus what was finished since: the same figures as a live count."""
    up_to = advance_quiz_tallies(now)
    query = select(
        QuizTally.module_id,
        func.sum(QuizTally.attempts),
        func.sum(QuizTally.people),
        func.sum(QuizTally.score_sum),
        func.sum(QuizTally.passed),
    ).group_by(QuizTally.module_id)
    org_id = scope.narrow(f.organisation_id)
    if org_id is not None:
        query = query.where(QuizTally.organisation_id == org_id)
    cells: dict[int, list] = {
        m: [int(n or 0), int(p or 0), float(total or 0), int(ok or 0)]
        for m, n, p, total, ok in db.session.execute(query)
    }
    for module_id, recent in _attempt_cells(scope, f, since=up_to).items():
        cell = cells.setdefault(module_id, [0, 0, 0.0, 0])
        for i, value in enumerate(recent):
            cell[i] += value
    return {m: tuple(c) for m, c in cells.items()}


def quiz_report(scope: Scope, f: ReportFilter, now: datetime | None = None) -> list[QuizRow]:
    """Return attempts, people, average score and passes per quiz.

    All-time figures for organisations come from running totals plus the latest attempts;
    a date range or a department is counted live (it reads only the attempts it needs).
    """
    if f.has_dates or f.department_id is not None:
        cells = _attempt_cells(scope, f)
    else:
        cells = _tally_cells(scope, f, now)
    if f.has_track:
        track = next(
            (t for t in live_tracks() if (t.course_id, t.slug) == (f.course_id, f.track_slug)),
            None,
        )
        wanted = set(track.module_ids if track else ())
        cells = {m: c for m, c in cells.items() if m in wanted}
    shown = {
        module_id: (title, position)
        for module_id, title, position in db.session.execute(
            select(Module.id, ModuleVersion.title, ModuleVersion.position).join(
                ModuleVersion, ModuleVersion.id == Module.live_version_id
            )
        )
    }
    rows = [
        QuizRow(
            module_id,
            shown.get(module_id, (str(module_id), 0))[0],
            attempts,
            people,
            round(score_sum / attempts, 1) if attempts else None,
            passed,
        )
        for module_id, (attempts, people, score_sum, passed) in cells.items()
        if attempts
    ]
    return sorted(rows, key=lambda r: (shown.get(r.module_id, ("", 0))[1], r.title))


# --- reach by gender and age -------------------------------------------------------------


@dataclass(frozen=True)
class ReachRow:
    """People on a track and people who completed one, for one gender or age band.

    A figure is None when it is suppressed (fewer than five people, or it would let a
    suppressed figure be worked out from the total).
    """

    key: str
    people: int | None
    trained: int | None

    @property
    def percent(self) -> int | None:
        if self.people is None or self.trained is None or not self.people:
            return None
        return round(100 * self.trained / self.people)


@dataclass(frozen=True)
class ReachReport:
    """Reach broken down by gender and by age band, with suppressed small cells."""

    by_gender: tuple[ReachRow, ...]
    by_age: tuple[ReachRow, ...]
    total: ReachRow


def suppress(values: list[int]) -> list[int | None]:
    """Hide every count under :data:`SUPPRESS_BELOW` (as None).

    When exactly one count would be hidden and the others plus a total are shown, it could
    be worked out by subtraction, so the next smallest count is hidden too.
    """
    shown: list[int | None] = [v if v >= SUPPRESS_BELOW else None for v in values]
    hidden = [i for i, v in enumerate(shown) if v is None]
    if len(hidden) == 1 and len(values) > 1:
        rest = [(v, i) for i, v in enumerate(shown) if v is not None]
        if rest:
            shown[min(rest)[1]] = None
    return shown


def reach_report(scope: Scope, f: ReportFilter) -> ReachReport:
    """Return people and people trained, by gender and by age band (one query)."""
    # Without a track chosen, "people" is everyone in scope; with one, the people on it.
    on_track = [exists().where(Enrolment.user_id == User.id, *_track(f))] if f.has_track else []
    trained = exists().where(
        Enrolment.user_id == User.id, *_track(f), *_in_range(Enrolment.completed_at, f)
    )
    cells = db.session.execute(
        select(User.gender, User.age_band, func.count(), func.sum(case((trained, 1), else_=0)))
        .where(*on_track, *_people(scope, f))
        .group_by(User.gender, User.age_band)
    ).all()

    def breakdown(position: int, keys: list[str]) -> tuple[ReachRow, ...]:
        counts = {k: [0, 0] for k in keys}
        for cell in cells:
            # Unknown values (none today) are counted with "not answered".
            key = cell[position] if cell[position] in counts else "not_answered"
            counts[key][0] += cell[2]
            counts[key][1] += int(cell[3] or 0)
        people = suppress([counts[k][0] for k in keys])
        done = suppress([counts[k][1] for k in keys])
        return tuple(ReachRow(k, p, d) for k, p, d in zip(keys, people, done, strict=True))

    genders = [g.value for g in Gender if g != Gender.UNSTATED] + ["unstated", "not_answered"]
    ages = [a.value for a in AgeBand if a != AgeBand.UNSTATED] + ["unstated", "not_answered"]
    people = sum(c[2] for c in cells)
    done = sum(int(c[3] or 0) for c in cells)
    total = ReachRow(
        "all",
        people if people >= SUPPRESS_BELOW else None,
        done if done >= SUPPRESS_BELOW else None,
    )
    return ReachReport(breakdown(0, genders), breakdown(1, ages), total)


# --- certificates ------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateFilter:
    """What the certificate register is narrowed to. Dates bound the issue date."""

    organisation_id: int | None = None
    department_id: int | None = None
    course_id: int | None = None
    track_slug: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    #: "valid", "expired", "revoked" or "expiring" (valid, expiring within 90 days)
    status: str | None = None


@dataclass(frozen=True)
class CertificateRow:
    """One certificate in the register."""

    id: int
    code: str
    user_id: int
    learner_name: str
    organisation: str
    track_title: str
    issue_number: int
    issued_on: date
    expires_on: date | None
    revoked_at: datetime | None
    status: str


def certificate_conditions(scope: Scope, cf: CertificateFilter, today: date) -> list:
    """Return the WHERE conditions on ``Certificate`` for a register filter."""
    conditions = scope.conditions(Certificate.organisation_id, cf.organisation_id)
    if cf.department_id is not None:
        conditions.append(
            Certificate.user_id.in_(select(User.id).where(User.department_id == cf.department_id))
        )
    if cf.course_id is not None and cf.track_slug:
        conditions += [
            Certificate.course_id == cf.course_id,
            Certificate.track_slug == cf.track_slug,
        ]
    conditions += _date_in_range(
        Certificate.issued_on, ReportFilter(date_from=cf.date_from, date_to=cf.date_to)
    )
    valid = and_(
        Certificate.revoked_at.is_(None),
        or_(Certificate.expires_on.is_(None), Certificate.expires_on > today),
    )
    if cf.status == "revoked":
        conditions.append(Certificate.revoked_at.is_not(None))
    elif cf.status == "expired":
        conditions += [Certificate.revoked_at.is_(None), Certificate.expires_on <= today]
    elif cf.status == "valid":
        conditions.append(valid)
    elif cf.status == "expiring":
        conditions += [
            Certificate.revoked_at.is_(None),
            Certificate.expires_on > today,
            Certificate.expires_on <= today + timedelta(days=EXPIRING_DAYS),
        ]
    return conditions


def certificate_columns():
    """Return the columns a register row is built from (shared with the CSV export)."""
    return (
        Certificate.id,
        Certificate.code,
        Certificate.user_id,
        Certificate.learner_name,
        Organisation.name,
        Certificate.track_title,
        Certificate.issue_number,
        Certificate.issued_on,
        Certificate.expires_on,
        Certificate.revoked_at,
    )


def certificate_row(values, today: date) -> CertificateRow:
    """Return a register row from the values of :func:`certificate_columns`."""
    status = certificate_rules.status(values[9], values[8], today)
    return CertificateRow(*values, status=str(status))


@dataclass(frozen=True)
class CertificatePage:
    """One page of the certificate register."""

    rows: tuple[CertificateRow, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def certificate_query(scope: Scope, cf: CertificateFilter, today: date):
    """Return the register's SELECT: newest first; by expiry date for expired or expiring."""
    if cf.status == "expired":
        order = (Certificate.expires_on.desc(), Certificate.id.desc())
    elif cf.status == "expiring":
        order = (Certificate.expires_on, Certificate.id)
    else:
        order = (Certificate.issued_on.desc(), Certificate.id.desc())
    return (
        select(*certificate_columns())
        .join(Organisation, Organisation.id == Certificate.organisation_id)
        .where(*certificate_conditions(scope, cf, today))
        .order_by(*order)
    )


def certificate_page(
    scope: Scope,
    cf: CertificateFilter,
    page: int = 1,
    per_page: int = 50,
    today: date | None = None,
) -> CertificatePage:
    """Return one page of the certificate register with the total count."""
    today = today or date.today()
    total = (
        db.session.scalar(
            select(func.count(Certificate.id)).where(*certificate_conditions(scope, cf, today))
        )
        or 0
    )
    page = max(1, page)
    rows = db.session.execute(
        certificate_query(scope, cf, today).limit(per_page).offset((page - 1) * per_page)
    ).all()
    return CertificatePage(tuple(certificate_row(r, today) for r in rows), total, page, per_page)


@dataclass(frozen=True)
class ExpiringRow:
    """Certificates of one group and track that expire within the next 90 days."""

    group: str
    track_title: str
    count: int
    first_expiry: date


def expiring_report(scope: Scope, f: ReportFilter, today: date | None = None) -> list[ExpiringRow]:
    """Return how many valid certificates expire in the next 90 days, by group and track."""
    today = today or date.today()
    level = group_level(scope, f)
    cf = CertificateFilter(
        f.organisation_id, f.department_id, f.course_id, f.track_slug, status="expiring"
    )
    group_column = Certificate.organisation_id if level == "organisation" else User.department_id
    query = (
        select(
            group_column,
            Certificate.track_title,
            func.count(),
            func.min(Certificate.expires_on),
        )
        .where(*certificate_conditions(scope, cf, today))
        .group_by(group_column, Certificate.track_title)
    )
    if level == "department":
        query = query.join(User, User.id == Certificate.user_id)
    found = db.session.execute(query).all()
    names = _group_names(level, {r[0] for r in found})
    rows = [ExpiringRow(names.get(g, ""), t, n, first) for g, t, n, first in found]
    return sorted(rows, key=lambda r: (r.first_expiry, r.group, r.track_title))


# --- the audit log -----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    """One audit event as listed to admins."""

    id: int
    at: datetime
    actor: str | None
    action: str
    subject: str
    detail: dict


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log."""

    rows: tuple[AuditRow, ...]
    page: int
    per_page: int
    has_next: bool


def _audit_scope(scope: Scope) -> list:
    """Events an organisation admin may see: about or by their organisation's people.

    That is: done by someone in the organisation, or about one of its people
    ("user:ID"), one of its certificates ("certificate:CODE") or the organisation itself.
    """
    if scope.is_all:
        return []
    org_id = scope.organisation_id
    actor = aliased(User)
    user_subject = literal("user:").concat(cast(User.id, String))
    certificate_subject = literal("certificate:").concat(Certificate.code)
    return [
        or_(
            AuditEvent.actor_id.in_(select(actor.id).where(actor.organisation_id == org_id)),
            AuditEvent.subject.in_(select(user_subject).where(User.organisation_id == org_id)),
            AuditEvent.subject.in_(
                select(certificate_subject).where(Certificate.organisation_id == org_id)
            ),
            AuditEvent.subject == f"organisation:{org_id}",
        )
    ]


def audit_query(scope: Scope, action: str | None = None):
    """Return the SELECT of the audit log inside ``scope``, newest first.

    Columns: id, at, actor's name, actor's email, action, subject, detail. Shared by the
    page and the CSV export.
    """
    actor = aliased(User)
    query = (
        select(
            AuditEvent.id,
            AuditEvent.at,
            actor.name,
            actor.email,
            AuditEvent.action,
            AuditEvent.subject,
            AuditEvent.detail,
        )
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(*_audit_scope(scope))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return query


def _audit_row(values) -> AuditRow:
    event_id, at, actor, _email, action, subject, detail = values
    return AuditRow(event_id, at, actor, action, subject, detail or {})


def audit_page(
    scope: Scope, page: int = 1, per_page: int = 50, action: str | None = None
) -> AuditPage:
    """Return one page of the audit log, newest first."""
    page = max(1, page)
    query = audit_query(scope, action).limit(per_page + 1).offset((page - 1) * per_page)
    found = db.session.execute(query).all()
    rows = tuple(_audit_row(r) for r in found[:per_page])
    return AuditPage(rows, page, per_page, len(found) > per_page)


def audit_actions(scope: Scope) -> list[str]:
    """Return the actions recorded in the audit log inside ``scope``, alphabetically."""
    query = audit_query(scope).with_only_columns(AuditEvent.action).distinct().order_by(None)
    return sorted(db.session.scalars(query))


# --- one certificate, for admins -----------------------------------------------------------


def find_certificate(scope: Scope, code: str) -> Certificate:
    """Return the certificate with ``code`` if inside ``scope``.

    :raises CertificateError: 404 for an unknown code or another organisation's certificate.
    """
    from learn.services.certificates import CertificateError, find_by_code

    certificate = find_by_code(code)
    if certificate is None or not scope.allows(certificate.organisation_id):
        raise CertificateError("There is no such certificate.", 404)
    return certificate


def can_reissue(certificate: Certificate) -> bool:
    """Return whether a certificate may be re-issued: revoked, and the latest issue."""
    if certificate.revoked_at is None:
        return False
    latest = db.session.scalar(
        select(func.max(Certificate.issue_number)).where(
            Certificate.completion_id == certificate.completion_id
        )
    )
    return certificate.issue_number == latest


def reissue(actor: Person, certificate: Certificate) -> Certificate:
    """Re-issue a revoked certificate with a new code (the old one stays revoked)."""
    from learn.services.certificates import CertificateError, reissue_certificate

    if not can_reissue(certificate):
        raise CertificateError(
            "Only the latest issue of a revoked certificate can be re-issued.", 409
        )
    return reissue_certificate(certificate, actor)


def certificate_history(certificate: Certificate) -> list[AuditRow]:
    """Return the audit events about one certificate, newest first."""
    query = audit_query(Scope(None)).where(AuditEvent.subject == f"certificate:{certificate.code}")
    return [_audit_row(r) for r in db.session.execute(query)]


# --- the reporting API ---------------------------------------------------------------------


@dataclass(frozen=True)
class ApiAssignment:
    """A person's track as the API gives it."""

    track: str
    title: str
    origin: str
    due_on: str | None
    started: bool
    completed_at: str | None
    overdue: bool


@dataclass(frozen=True)
class ApiPerson:
    """A person as the API gives it, with their tracks."""

    id: int
    name: str
    email: str
    organisation: str
    organisation_id: int
    department: str | None
    role: str
    active: bool
    assignments: tuple[ApiAssignment, ...]


def api_people(
    scope: Scope, after: int = 0, limit: int = 100, today: date | None = None
) -> tuple[list[ApiPerson], int | None]:
    """Return up to ``limit`` people with id > ``after`` and the cursor of the next page.

    Two queries per page whatever its size: the people, then all their enrolments.
    """
    today = today or date.today()
    query = (
        person_query(User.id > after, *scope.conditions(User.organisation_id))
        .order_by(User.id)
        .limit(limit + 1)
    )
    found = db.session.execute(query).all()
    page = found[:limit]
    ids = [r[0] for r in page]
    tracks = live_tracks()
    titles = {(t.course_id, t.slug): (t.key, t.title) for t in tracks}
    by_user: dict[int, list[ApiAssignment]] = {}
    if ids:
        started = _started()
        for user_id, course_id, slug, origin, due, done, is_started in db.session.execute(
            select(
                Enrolment.user_id,
                Enrolment.course_id,
                Enrolment.track_slug,
                Enrolment.origin,
                Enrolment.due_on,
                Enrolment.completed_at,
                case((started, True), else_=False),
            )
            .where(Enrolment.user_id.in_(ids))
            .order_by(Enrolment.user_id, Enrolment.id)
        ):
            key, title = titles.get((course_id, slug), (f"{course_id}/{slug}", slug))
            by_user.setdefault(user_id, []).append(
                ApiAssignment(
                    track=key,
                    title=title,
                    origin=origin,
                    due_on=due.isoformat() if due else None,
                    started=bool(is_started),
                    completed_at=done.isoformat() if done else None,
                    overdue=done is None and due is not None and due < today,
                )
            )
    people = [
        ApiPerson(
            id=user_id,
            name=name,
            email=email,
            organisation=organisation,
            organisation_id=organisation_id,
            department=department,
            role=str(role),
            active=bool(active),
            assignments=tuple(by_user.get(user_id, ())),
        )
        for user_id, name, email, organisation, department, role, active, organisation_id in page
    ]
    return people, (ids[-1] if len(found) > limit else None)


@dataclass(frozen=True)
class ApiCertificate:
    """A certificate as the API gives it (dates as ISO 8601 text)."""

    id: int
    code: str
    person_id: int
    learner_name: str
    organisation: str
    track: str
    issue_number: int
    issued_on: str
    expires_on: str | None
    status: str
    revoked_at: str | None
    verify_url: str


def api_certificates(
    scope: Scope,
    status: str | None = None,
    after: int = 0,
    limit: int = 100,
    today: date | None = None,
) -> tuple[list[ApiCertificate], int | None]:
    """Return up to ``limit`` certificates with id > ``after`` and the next cursor."""
    from learn.services.certificates import verify_url

    today = today or date.today()
    conditions = certificate_conditions(scope, CertificateFilter(status=status), today)
    query = (
        select(*certificate_columns())
        .join(Organisation, Organisation.id == Certificate.organisation_id)
        .where(Certificate.id > after, *conditions)
        .order_by(Certificate.id)
        .limit(limit + 1)
    )
    found = db.session.execute(query).all()
    rows = [certificate_row(r, today) for r in found[:limit]]
    result = [
        ApiCertificate(
            id=r.id,
            code=r.code,
            person_id=r.user_id,
            learner_name=r.learner_name,
            organisation=r.organisation,
            track=r.track_title,
            issue_number=r.issue_number,
            issued_on=r.issued_on.isoformat(),
            expires_on=r.expires_on.isoformat() if r.expires_on else None,
            status=r.status,
            revoked_at=r.revoked_at.isoformat() if r.revoked_at else None,
            verify_url=verify_url(r.code),
        )
        for r in rows
    ]
    return result, (rows[-1].id if len(found) > limit else None)
