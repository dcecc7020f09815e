"""CSV exports, streamed: rows are read in batches and written out as they come.

Nothing holds the whole table in memory: the database is read with ``yield_per`` (a
server-side cursor on PostgreSQL) and the text is produced in chunks of a thousand rows.
Every text cell that a spreadsheet would run as a formula is prefixed with a quote: by
:func:`safe_cell` in Python, or, for the person list, by the query itself
(:func:`safe_column`), so its rows go from the database to the CSV writer untouched (on
PostgreSQL, the server writes them as CSV itself).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import islice

from sqlalchemy import String, case, func, literal, select, type_coerce

from learn.core import certificate as certificate_rules
from learn.extensions import db
from learn.models import Certificate, Department, Enrolment, Organisation, User
from learn.services import assignments, reports
from learn.services.people import PeopleFilter, people_conditions, track_counts
from learn.services.reports import CertificateFilter, ReportFilter
from learn.services.scope import Scope

#: Rows read from the database and written per chunk.
BATCH = 1000
#: What a spreadsheet takes for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(FORMULA_STARTS)


def safe_cell(value):
    """Return ``value`` made safe for spreadsheets: text starting like a formula is quoted."""
    if value and isinstance(value, str) and value[0] in _FORMULA_CHARS:
        return "'" + value
    return value


def safe_column(column):
    """Return a text ``column`` made safe as :func:`safe_cell` does, by the database."""
    return case(
        (func.substr(column, 1, 1).in_(FORMULA_STARTS), literal("'") + column),
        else_=column,
    )


def write_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """Yield CSV text in chunks: a BOM (for spreadsheets), the header, then the rows.

    The rows' text cells must already be safe (:func:`safe_cell`, :func:`safe_column`).
    """
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


def stream_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """Like :func:`write_csv`, making every cell safe first."""
    return write_csv(header, ([safe_cell(v) for v in row] for row in rows))


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


def _copied_csv(header: Sequence[str], query) -> Iterator[str]:
    """Stream a query's rows as CSV written by PostgreSQL itself (``COPY … TO STDOUT``).

    The server formats each row in C, so no row is made into Python values and back into
    text: two to three times faster than :func:`write_csv` here. The query's text columns
    must be safe already (:func:`safe_column`). Its parameters go to psycopg, which quotes
    them into the statement (COPY takes no server-side parameters); nothing is formatted
    into SQL here. Lines end with CR LF, as :func:`write_csv` writes them. An export cut
    short (the browser gone) aborts the transaction, which the request's end rolls back.
    """
    compiled = query.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
    cursor = db.session.connection().connection.cursor()
    try:
        with cursor.copy(f"COPY ({compiled}) TO STDOUT (FORMAT csv)", compiled.params) as copy:
            lines = ["\ufeff" + ",".join(header)]
            # One row per block, ending with a line feed (a quoted cell may hold more).
            for row in copy:
                lines.append(bytes(row)[:-1].decode())
                if len(lines) == BATCH:
                    yield "\r\n".join(lines) + "\r\n"
                    lines = []
            yield "\r\n".join(lines) + "\r\n" if lines else ""
    finally:
        cursor.close()


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
    """Stream the filtered person list as CSV, by name, in one query.

    Each person's tracks are counted by one grouped subquery over the enrolments of the
    people chosen (never a query per person), and the database gives every cell as it is
    written: SQLite's rows go straight to the CSV writer, and PostgreSQL writes the CSV
    itself.
    """
    today = today or date.today()
    conditions = people_conditions(scope, filters, today)
    counts = track_counts(Enrolment.user_id, today)
    if conditions:
        counts = counts.where(Enrolment.user_id.in_(select(User.id).where(*conditions)))
        if db.engine.dialect.name == "postgresql":
            # PostgreSQL would read every enrolment in the country to count one
            # organisation's. Enrolments carry their person's organisation and department,
            # so name them too (SQLite, given them, would stop using the covering index).
            counts = counts.where(*_enrolment_places(scope, filters))
    counts = counts.subquery()
    query = (
        select(
            safe_column(User.name),
            safe_column(User.email),
            safe_column(Organisation.name),
            safe_column(Department.name),
            # The stored text: no Role made for each row only to be written back out.
            type_coerce(User.role, String),
            case((User.active, "yes"), else_="no"),
            func.coalesce(counts.c.tracks, 0),
            func.coalesce(counts.c.completed, 0),
            func.coalesce(counts.c.overdue, 0),
        )
        .join(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Department, Department.id == User.department_id)
        .outerjoin(counts, counts.c.key == User.id)
        .where(*conditions)
        .order_by(User.name, User.id)
    )
    if db.engine.dialect.driver == "psycopg":
        return _copied_csv(PEOPLE_HEADER, query)
    return write_csv(PEOPLE_HEADER, _streamed(query))


def _enrolment_places(scope: Scope, filters: PeopleFilter) -> list:
    conditions = scope.conditions(Enrolment.organisation_id, filters.organisation_id)
    if filters.department_id is not None:
        conditions.append(Enrolment.department_id == filters.department_id)
    return conditions


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
            safe_column(Certificate.learner_name),
            safe_column(Organisation.name),
            safe_column(Certificate.track_title),
            Certificate.issue_number,
            Certificate.issued_on,
            Certificate.expires_on,
            Certificate.revoked_at,
        )
        .join(Organisation, Organisation.id == Certificate.organisation_id)
        .where(*reports.certificate_conditions(scope, cf, today))
        .order_by(Certificate.id)
    )
    rows = (
        (
            code,
            learner,
            organisation,
            track,
            issue,
            issued_on,
            expires_on,
            str(certificate_rules.status(revoked_at, expires_on, today)),
            revoked_at.isoformat() if revoked_at else "",
        )
        for code, learner, organisation, track, issue, issued_on, expires_on, revoked_at in (
            _streamed(query)
        )
    )
    return write_csv(CERTIFICATE_HEADER, rows)


# --- assignments and the audit log -------------------------------------------------------

ASSIGNMENT_HEADER = (
    "track",
    "track_title",
    "assigned_to",
    "target",
    "organisation",
    "due_on",
    "assigned_on",
    "people",
    "completed",
    "overdue",
)


def assignments_csv(scope: Scope, today: date | None = None) -> Iterator[str]:
    """Stream the assignments inside ``scope`` as CSV, newest first, with their counts."""
    today = today or date.today()
    titles = {(t.course_id, t.slug): (t.key, t.title) for t in reports.live_tracks()}
    rows = (
        (
            *titles.get((a.course_id, a.track_slug), (a.track_slug, a.track_slug)),
            a.target_kind,
            a.target_name,
            a.organisation_name,
            a.due_on,
            a.created_at.date(),
            a.people,
            a.completed,
            a.overdue,
        )
        for a in map(
            assignments.assignment_row, _streamed(assignments.assignment_query(scope, today))
        )
    )
    return stream_csv(ASSIGNMENT_HEADER, rows)


AUDIT_HEADER = ("at", "actor", "actor_email", "action", "subject", "detail")


def audit_csv(scope: Scope, action: str | None = None) -> Iterator[str]:
    """Stream the audit log inside ``scope`` as CSV, newest first; ``detail`` as JSON."""
    rows = (
        (
            at.isoformat(),
            actor,
            email,
            event_action,
            subject,
            json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
        )
        for _id, at, actor, email, event_action, subject, detail in _streamed(
            reports.audit_query(scope, action)
        )
    )
    return stream_csv(AUDIT_HEADER, rows)


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
