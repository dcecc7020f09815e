"""Benchmark the admin reports at national scale, on SQLite and on PostgreSQL.

Times each admin page over repeated requests with the Flask test client, signed in as a
platform admin, and prints the median and 95th percentile; the CSV exports are timed as
rows per second. Results go to ``bench/results/reports.md``.

The data set is the one ``make bench`` uses for its admin page (``learn demo-data``,
100,000 learners): taken from ``instance/bench-cache`` (a SQLite file, and a database of the
cached PostgreSQL cluster) or built there first if missing (about 30 minutes; see
``bench/lib/datasets.py``). Each run works on a fresh copy, so the cache never changes.

    .venv/bin/python bench/reports.py                      # 100,000 learners, both databases
    .venv/bin/python bench/reports.py --databases sqlite --repeat 10
    .venv/bin/python bench/reports.py --organisations 20 --learners 10000 --attempts 100000

Targets (issue #7): every dashboard page under 300 ms at the median; exports above
50,000 rows per second.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.lib import datasets  # noqa: E402
from bench.lib.postgres import Postgres  # noqa: E402
from bench.lib.servers import free_port  # noqa: E402

ADMIN_EMAIL = datasets.ADMIN_EMAIL
ADMIN_PASSWORD = datasets.ADMIN_PASSWORD
#: The secret key the cached sets are built with (any will do: no cookie outlives a run).
SECRET_KEY = "bench-secret-key"
PAGE_TARGET_MS = 300
EXPORT_TARGET_ROWS = 50_000


def _app(url: str):
    from learn import create_app

    return create_app(
        {
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def row_counts(url: str) -> dict[str, int]:
    """Return how many rows of each kind the data set holds (overdue and expired: today)."""
    from sqlalchemy import func, select

    from learn import models as m
    from learn.extensions import db

    today = date.today()
    tables = {
        "organisations": m.Organisation, "departments": m.Department, "people": m.User,
        "assignments": m.Assignment, "enrolments": m.Enrolment,
        "module progress": m.ModuleProgress, "attempts": m.QuizAttempt,
        "completions": m.TrackCompletion, "certificates": m.Certificate,
    }  # fmt: skip
    counted = {label: select(func.count()).select_from(t) for label, t in tables.items()}
    counted["expired certificates"] = select(func.count()).where(
        m.Certificate.revoked_at.is_(None), m.Certificate.expires_on <= today
    )
    counted["overdue"] = select(func.count()).where(
        m.Enrolment.completed_at.is_(None), m.Enrolment.due_on < today
    )
    with _app(url).app_context():
        return {label: db.session.scalar(query) for label, query in counted.items()}


def vacuum(url: str) -> float:
    """Do what autovacuum would on a live PostgreSQL server; return the seconds it took.

    The visibility map lets covering indexes be read without the table; the cached sets
    are only ANALYZEd when built.
    """
    from sqlalchemy import create_engine, text

    started = time.perf_counter()
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def measure(url: str, args) -> list[dict]:
    """Time every page; return one result per page."""
    from sqlalchemy import func, select

    from learn.extensions import db
    from learn.models import Department, Organisation, User

    app = _app(url)
    client = app.test_client()
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 302, response.status_code
    with app.app_context():
        # The biggest organisation, and one of its departments, for the filtered pages.
        org_id = db.session.scalar(
            select(User.organisation_id)
            .group_by(User.organisation_id)
            .order_by(func.count().desc())
            .limit(1)
        )
        org_name = db.session.get(Organisation, org_id).name
        dept_id = db.session.scalar(
            select(Department.id).where(Department.organisation_id == org_id).limit(1)
        )
    track = "preventing-trafficking/procurement"
    pages = [
        ("Dashboard: completion, all organisations", "/admin/"),
        ("Dashboard: one organisation, by department", f"/admin/?organisation={org_id}"),
        (
            "Dashboard: track and date range",
            f"/admin/?track={track}&date_from=2025-01-01&date_to=2025-12-31",
        ),
        ("Completions over time (12 weeks)", "/admin/reports/weekly"),
        (
            "Completions over time (one year)",
            "/admin/reports/weekly?date_from=2025-01-01&date_to=2025-12-31",
        ),
        ("Quizzes: attempts and scores", "/admin/reports/quizzes"),
        ("Quizzes: one organisation", f"/admin/reports/quizzes?organisation={org_id}"),
        ("Reach by gender and age", "/admin/reports/reach"),
        ("Certificates expiring in 90 days", "/admin/reports/expiring"),
        ("People: first page", "/admin/people"),
        (
            "People: overdue in one department",
            f"/admin/people?organisation={org_id}&department={dept_id}&progress=overdue",
        ),
        ("People: search by name", "/admin/people?q=okafor"),
        ("People: page 500", "/admin/people?page=500"),
        ("Certificate register: expired", "/admin/certificates?status=expired"),
    ]
    results = []
    for label, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        result = {
            "label": label,
            "path": path,
            "median_ms": statistics.median(times),
            "p95_ms": _percentile(times, 95),
        }
        results.append(result)
        print(f"    {label}: median {result['median_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms")
    exports = [
        ("Export: every person (CSV)", "/admin/people.csv"),
        ("Export: every certificate (CSV)", "/admin/certificates.csv"),
        (f"Export: people of {org_name} (CSV)", f"/admin/people.csv?organisation={org_id}"),
    ]
    for label, path in exports:
        rates, times, rows = [], [], 0
        for _ in range(max(3, args.repeat // 4)):
            started = time.perf_counter()
            response = client.get(path)
            body = response.get_data()
            elapsed = time.perf_counter() - started
            assert response.status_code == 200
            rows = body.count(b"\n") - 1
            times.append(elapsed * 1000)
            rates.append(rows / elapsed)
        result = {
            "label": label,
            "path": path,
            "rows": rows,
            "median_ms": statistics.median(times),
            "p95_ms": _percentile(times, 95),
            "rows_per_second": statistics.median(rates),
        }
        results.append(result)
        print(
            f"    {label}: {rows} rows, median {result['median_ms']:.0f} ms, "
            f"{result['rows_per_second']:,.0f} rows/s"
        )
    return results


def write_report(path: Path, args, runs: dict) -> None:
    """Write the results as Markdown."""
    lines = [
        "# Admin reports benchmark",
        "",
        f"Made by `bench/reports.py` on {date.today().isoformat()}: {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s).",
        f"Data: `learn demo-data --organisations {args.organisations} --learners {args.learners} "
        f"--attempts {args.attempts} --seed {args.seed}`, the set cached in "
        "`instance/bench-cache`, copied for the run. "
        f"Each page requested {args.repeat} times after one warm-up, signed in as a "
        "platform admin, with the Flask test client (no network).",
        "",
    ]
    for name, run in runs.items():
        counts = ", ".join(f"{label} {n}" for label, n in run["counts"].items())
        lines += [
            f"## {name}",
            "",
            f"Rows (overdue and expired as of the run): {counts}.",
            f"Data set: {run['data_set']}; {run['prepared']}.",
            "",
            "| page | median ms | p95 ms | target |",
            "| --- | ---: | ---: | --- |",
        ]
        for r in run["results"]:
            if "rows_per_second" in r:
                ok = r["rows_per_second"] >= EXPORT_TARGET_ROWS
                lines.append(
                    f"| {r['label']}: {r['rows']:,} rows, {r['rows_per_second']:,.0f} rows/s "
                    f"| {r['median_ms']:.0f} | {r['p95_ms']:.0f} | "
                    f"{'met' if ok else 'MISSED'} (> {EXPORT_TARGET_ROWS:,} rows/s) |"
                )
            else:
                ok = r["median_ms"] < PAGE_TARGET_MS
                lines.append(
                    f"| {r['label']} (`{r['path']}`) | {r['median_ms']:.0f} | {r['p95_ms']:.0f} "
                    f"| {'met' if ok else 'MISSED'} (< {PAGE_TARGET_MS} ms) |"
                )
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    print(f"Wrote {path}")


def main() -> None:
    """Parse arguments, take the data sets from the cache, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=1_300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--cache", default=str(ROOT / "instance" / "bench-cache"), help="Where the sets are kept."
    )
    parser.add_argument("--output", default=str(ROOT / "bench/results/reports.md"))
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    size = datasets.Size(args.organisations, args.learners, args.attempts, args.seed)
    cache = Path(args.cache)
    log = ROOT / "bench/results/raw/reports-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    runs = {}
    for name in args.databases.split(","):
        print(f"== {name} ==", flush=True)
        if name == "sqlite":
            runs[f"SQLite {_sqlite_version()} (file database)"] = sqlite_run(size, cache, log, args)
        elif name == "postgresql":
            runs.update(postgres_run(size, cache, log, args))
        else:
            raise SystemExit(f"unknown database {name}")
    write_report(Path(args.output), args, runs)


def sqlite_run(size: datasets.Size, cache: Path, log: Path, args) -> dict:
    """Measure on a copy of the cached SQLite set."""
    cached = datasets.sqlite_set(cache, size, SECRET_KEY, log)
    folder = Path(tempfile.mkdtemp(prefix="learn-reports-"))
    try:
        url = f"sqlite:///{datasets.sqlite_copy(cached, folder / 'reports.db')}"
        run = {
            "data_set": f"`{cached.name}`",
            "prepared": "a file copy (the set was ANALYZEd when built)",
            "counts": row_counts(url),
        }
        run["results"] = measure(url, args)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return run


def postgres_run(size: datasets.Size, cache: Path, log: Path, args) -> dict:
    """Measure on a copy of the cached PostgreSQL set, in the cached cluster."""
    folder = cache / "pg"
    pg = Postgres(folder, free_port())
    if pg.is_running():
        # Postgres.start() would stop it under whoever is using it (bench/run.py).
        raise SystemExit(f"The PostgreSQL cluster in {folder} is in use; run this later.")
    pg.start()
    copy = "reports_run"
    try:
        template = datasets.postgres_set(pg, size, SECRET_KEY, log)
        pg.copy(template, copy)
        url = pg.url(copy)
        seconds = vacuum(url)
        run = {
            "data_set": f"database `{template}`",
            "prepared": (
                f"a `CREATE DATABASE … TEMPLATE` copy, then VACUUM ANALYZE ({seconds:.1f} s)"
            ),
            "counts": row_counts(url),
        }
        run["results"] = measure(url, args)
        return {f"PostgreSQL {pg.version()}": run}
    finally:
        pg.drop(copy)
        pg.stop()


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


if __name__ == "__main__":
    main()
