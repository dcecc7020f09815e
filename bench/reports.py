"""Benchmark the admin reports at national scale, on SQLite and on PostgreSQL.

Builds the data set with ``learn demo-data`` (the same service), into a file SQLite
database and into a throwaway PostgreSQL server (``scripts/test-postgres.sh``), then times
each admin page over repeated requests with the Flask test client, signed in as a
platform admin, and prints the median and 95th percentile. The CSV exports are timed as
rows per second. Results go to ``bench/results/reports.md``.

    .venv/bin/python bench/reports.py                      # 100,000 learners, both databases
    .venv/bin/python bench/reports.py --learners 10000 --attempts 130000 --repeat 10
    .venv/bin/python bench/reports.py --databases sqlite --keep /tmp/bench   # reuse the data

Targets (issue #7): every dashboard page under 300 ms at the median; exports above
50,000 rows per second.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ADMIN_EMAIL = "bench-admin@example.org"
ADMIN_PASSWORD = "bench admin pass phrase"
PAGE_TARGET_MS = 300
EXPORT_TARGET_ROWS = 50_000


def _app(url: str):
    from learn import create_app

    return create_app(
        {
            "SECRET_KEY": "bench-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )


def build(url: str, args) -> dict:
    """Create the tables and fill them with demo data; return the row counts and time."""
    from sqlalchemy import text

    from learn.extensions import db
    from learn.models import Role
    from learn.services import accounts
    from learn.services.demo import DemoSize, build_demo_data

    app = _app(url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        counts = build_demo_data(
            DemoSize(args.organisations, args.learners, args.attempts, args.seed),
            today=date.fromisoformat(args.today),
            progress=lambda m: print("   ", m, flush=True),
        )
        built = time.perf_counter() - started
        org = accounts.ensure_organisation("Platform administration")
        accounts.create_user(
            accounts.NewAccount(
                "Bench admin", ADMIN_EMAIL, ADMIN_PASSWORD, org.id, role=Role.PLATFORM_ADMIN
            )
        )
        started = time.perf_counter()
        # What autovacuum would do on a live server: statistics, and on PostgreSQL the
        # visibility map that lets covering indexes be read without the table.
        statement = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text(statement))
        analysed = time.perf_counter() - started
    return {"counts": counts, "build_seconds": built, "analyse_seconds": analysed}


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


def _postgres(port: int):
    directory = tempfile.mkdtemp(prefix="learn-bench-pg-")
    url = subprocess.run(
        [str(ROOT / "scripts/test-postgres.sh"), "start", directory, str(port)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return directory, url


def _stop_postgres(directory: str) -> None:
    subprocess.run([str(ROOT / "scripts/test-postgres.sh"), "stop", directory], check=False)


def write_report(path: Path, args, runs: dict) -> None:
    """Write the results as Markdown."""
    lines = [
        "# Admin reports benchmark",
        "",
        f"Made by `bench/reports.py` on {date.today().isoformat()}: {platform.platform()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPU(s).",
        f"Data: `learn demo-data --organisations {args.organisations} --learners {args.learners} "
        f"--attempts {args.attempts} --seed {args.seed}` (as of {args.today}). "
        f"Each page requested {args.repeat} times after one warm-up, signed in as a "
        "platform admin, with the Flask test client (no network).",
        "",
    ]
    for name, run in runs.items():
        counts = run["counts"]
        lines += [
            f"## {name}",
            "",
            f"Rows: {counts.summary()}.",
            f"Built in {run['build_seconds']:.0f} s (ANALYZE {run['analyse_seconds']:.1f} s).",
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
    """Parse arguments, build, measure, report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--attempts", type=int, default=1_300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today", default=date.today().isoformat(), help="Day the data is made for."
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pg-port", type=int, default=25442)
    parser.add_argument(
        "--keep", default=None, help="Keep the SQLite file in this folder and reuse it if there."
    )
    parser.add_argument("--output", default=str(ROOT / "bench/results/reports.md"))
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    runs = {}
    for name in args.databases.split(","):
        print(f"== {name} ==", flush=True)
        if name == "sqlite":
            folder = Path(args.keep or tempfile.mkdtemp(prefix="learn-bench-"))
            folder.mkdir(parents=True, exist_ok=True)
            db_file = folder / f"bench-{args.learners}.db"
            url = f"sqlite:///{db_file}"
            if args.keep and db_file.exists() and (folder / f"{db_file.name}.built").exists():
                print("    reusing", db_file)
                run = {"counts": _stored_counts(folder / f"{db_file.name}.built"),
                       "build_seconds": 0.0, "analyse_seconds": 0.0}  # fmt: skip
            else:
                run = build(url, args)
                (folder / f"{db_file.name}.built").write_text(repr(vars(run["counts"])))
            run["results"] = measure(url, args)
            runs[f"SQLite {_sqlite_version()} (file database)"] = run
            if not args.keep:
                shutil.rmtree(folder, ignore_errors=True)
        elif name == "postgresql":
            directory, url = _postgres(args.pg_port)
            try:
                run = build(url, args)
                run["results"] = measure(url, args)
                runs[f"PostgreSQL {_pg_version(url)}"] = run
            finally:
                _stop_postgres(directory)
        else:
            raise SystemExit(f"unknown database {name}")
    write_report(Path(args.output), args, runs)


def _stored_counts(path: Path):
    import ast

    from learn.services.demo import DemoCounts

    return DemoCounts(**ast.literal_eval(path.read_text()))


def _sqlite_version() -> str:
    import sqlite3

    return sqlite3.sqlite_version


def _pg_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    engine.dispose()
    return str(version).split()[0]


if __name__ == "__main__":
    main()
