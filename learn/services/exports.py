"""CSV exports, streamed: rows are read in batches and written out as they come.

Nothing holds the whole table in memory: the database is read with ``yield_per`` (a
server-side cursor on PostgreSQL) and the text is produced in chunks of a thousand rows.
Every text cell that a spreadsheet would run as a formula is prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import islice

from sqlalchemy import and_, func, select

from learn.extensions import db
from learn.models import Certificate, Department, Enrolment, Organisation, User
from learn.services import reports
from learn.services.people import PeopleFilter, enrolment_counts, people_conditions
from learn.services.reports import CertificateFilter, ReportFilter
from learn.services.scope import Scope

#: Rows read from the database and written per chunk.
BATCH = 1000
_FORMULA_CHARS = frozenset("=+-@\t\r")


def safe_cell(value):
    """Return ``value`` made safe for spreadsheets: text starting like a formula is quoted."""
    if value and isinstance(value, str) and value[0] in _FORMULA_CHARS:
        return "'" + value
    return value


def stream_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """Yield CSV text in chunks: a BOM (for spreadsheets), the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        count += 1
        if count % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _streamed(query) -> Iterator:
    """Yield the rows of a Core ``query`` in batches, never all at once.

    ``yield_per`` makes PostgreSQL use a server-side cursor; SQLite reads lazily anyway.
    Rows come back as plain tuples (no ORM loading), which is what makes the export fast.
    """
    connection = db.session.connection()
    result = connection.execution_options(yield_per=BATCH).execute(query)
    try:
        for partition in result.partitions():
            yield from partition
    finally:
        result.close()


def _names(model) -> dict[int, str]:
    """Return {id: name} for a small table (organisations, departments)."""
    return {i: name for i, name in db.session.execute(select(model.id, model.name))}


# --- people ------------------------------------------------------------------------------

PEOPLE_HEADER = (
    "name",
    "email",
    "organisation",
    "department",
    "role",
    "active",
    "tracks",
    "completed",
    "overdue",
)


def people_csv(scope: Scope, filters: PeopleFilter, today: date | None = None) -> Iterator[str]:
    """Stream the filtered person list as CSV, by name; never one query per person.

    On PostgreSQL every person's track counts are added up once (a hash aggregate joined
    to the people); on SQLite they come from one grouped query per thousand people.
    """
    today = today or date.today()
    columns = (
        User.id,
        User.name,
        User.email,
        User.organisation_id,
        User.department_id,
        User.role,
        User.active,
    )
    conditions = people_conditions(scope, filters, today)
    organisations = _names(Organisation)
    departments = _names(Department)
    if db.engine.dialect.name == "postgresql":
        late = and_(Enrolment.completed_at.is_(None), Enrolment.due_on < today)
        counts = (
            select(
                Enrolment.user_id,
                func.count().label("tracks"),
                func.count(Enrolment.completed_at).label("completed"),
                func.count().filter(late).label("overdue"),
            )
            .group_by(Enrolment.user_id)
            .subquery()
        )
        query = (
            select(
                *columns,
                func.coalesce(counts.c.tracks, 0),
                func.coalesce(counts.c.completed, 0),
                func.coalesce(counts.c.overdue, 0),
            )
            .outerjoin(counts, counts.c.user_id == User.id)
            .where(*conditions)
            .order_by(User.name, User.id)
        )
        rows = (
            _person_line(row[1:7], row[7:], organisations, departments) for row in _streamed(query)
        )
        return _stream_safe(PEOPLE_HEADER, rows)
    query = select(*columns).where(*conditions).order_by(User.name, User.id)

    def batched() -> Iterator[tuple]:
        people = _streamed(query)
        while batch := list(islice(people, BATCH)):
            yield from _people_rows(batch, organisations, departments, today)

    return _stream_safe(PEOPLE_HEADER, batched())


def _person_line(person, counts, organisations, departments) -> tuple:
    name, email, org, dept, role, active = person
    return (
        safe_cell(name),
        safe_cell(email),
        safe_cell(organisations.get(org, "")),
        safe_cell(departments.get(dept, "")),
        role,
        "yes" if active else "no",
        *counts,
    )


def _people_rows(batch, organisations, departments, today: date) -> Iterator[tuple]:
    counts = enrolment_counts([row[0] for row in batch], today)
    for row in batch:
        yield _person_line(row[1:], counts.get(row[0], (0, 0, 0)), organisations, departments)


def _stream_safe(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """Like :func:`stream_csv`, for rows whose text cells are already made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    rows = iter(rows)
    while chunk := list(islice(rows, BATCH)):
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# --- certificates ------------------------------------------------------------------------

CERTIFICATE_HEADER = (
    "code",
    "learner",
    "organisation",
    "track",
    "issue",
    "issued_on",
    "expires_on",
    "status",
    "revoked_at",
)


def certificates_csv(
    scope: Scope, cf: CertificateFilter, today: date | None = None
) -> Iterator[str]:
    """Stream the filtered certificate register as CSV, in the order issued."""
    today = today or date.today()
    query = (
        select(
            Certificate.code,
            Certificate.learner_name,
            Certificate.organisation_id,
            Certificate.track_title,
            Certificate.issue_number,
            Certificate.issued_on,
            Certificate.expires_on,
            Certificate.revoked_at,
        )
        .where(*reports.certificate_conditions(scope, cf, today))
        .order_by(Certificate.id)
    )
    organisations = _names(Organisation)

    def status(expires_on, revoked_at) -> str:
        if revoked_at is not None:
            return "revoked"
        return "expired" if expires_on is not None and today >= expires_on else "valid"

    rows = (
        (
            code,
            safe_cell(learner),
            safe_cell(organisations.get(org, "")),
            safe_cell(track),
            issue,
            issued_on.isoformat(),
            expires_on.isoformat() if expires_on else "",
            status(expires_on, revoked_at),
            revoked_at.isoformat() if revoked_at else "",
        )
        for code, learner, org, track, issue, issued_on, expires_on, revoked_at in _streamed(query)
    )
    return _stream_safe(CERTIFICATE_HEADER, rows)


# --- the dashboard's tables --------------------------------------------------------------


def completion_csv(scope: Scope, f: ReportFilter, by: str, today: date | None = None):
    """Stream a completion table ("group" or "track") as CSV."""
    report = reports.completion_report(scope, f, today)
    table = report.groups if by == "group" else report.tracks
    first = report.group_by if by == "group" else "track"
    rows = (
        (
            r.label or "(none)",
            r.assigned,
            r.started,
            r.completed,
            r.overdue,
            _blank(r.percent),
        )
        for r in (*table, report.total)
    )
    header = (first, "assigned", "started", "completed", "overdue", "percent_completed")
    return stream_csv(header, _with_total(rows, len(table)))


def _with_total(rows, count: int):
    for i, row in enumerate(rows):
        yield ("total", *row[1:]) if i == count else row


def _blank(value):
    return "" if value is None else value


def weekly_csv(scope: Scope, f: ReportFilter, today: date | None = None) -> Iterator[str]:
    """Stream completions week by week as CSV."""
    rows = (
        (w.week_start.isoformat(), w.completions)
        for w in reports.weekly_completions(scope, f, today)
    )
    return stream_csv(("week_starting", "completions"), rows)


def quizzes_csv(scope: Scope, f: ReportFilter) -> Iterator[str]:
    """Stream the quiz table as CSV."""
    rows = (
        (
            r.title,
            r.attempts,
            r.people,
            _blank(r.attempts_per_person),
            _blank(r.average_score),
            _blank(r.pass_rate),
        )
        for r in reports.quiz_report(scope, f)
    )
    header = ("quiz", "attempts", "people", "attempts_per_person", "average_score", "pass_rate")
    return stream_csv(header, rows)


SUPPRESSED = "fewer than 5"


def reach_csv(scope: Scope, f: ReportFilter) -> Iterator[str]:
    """Stream the reach tables (gender, then age band) as CSV, small cells suppressed."""
    report = reports.reach_report(scope, f)

    def cell(value):
        return SUPPRESSED if value is None else value

    rows = [
        *(
            ("gender", r.key, cell(r.people), cell(r.trained), _blank(r.percent))
            for r in report.by_gender
        ),
        *(
            ("age_band", r.key, cell(r.people), cell(r.trained), _blank(r.percent))
            for r in report.by_age
        ),
        (
            "all",
            "all",
            cell(report.total.people),
            cell(report.total.trained),
            _blank(report.total.percent),
        ),
    ]
    return stream_csv(("breakdown", "group", "people", "trained", "percent_trained"), rows)


def expiring_csv(scope: Scope, f: ReportFilter, today: date | None = None) -> Iterator[str]:
    """Stream the expiring-certificates table as CSV."""
    rows = (
        (r.group, r.track_title, r.count, r.first_expiry.isoformat())
        for r in reports.expiring_report(scope, f, today)
    )
    return stream_csv(("group", "track", "expiring", "first_expiry"), rows)
