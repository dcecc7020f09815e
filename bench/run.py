"""Speed and load: the platform beside a bare Flask page, on the same machine, in one run.

    make bench                         # or: .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --quick              # small data, short rounds (a smoke test)
    .venv/bin/python bench/run.py --pages module,home --databases sqlite

What it does (issue #8):

1. Builds the data sets with ``learn demo-data`` and caches them (``instance/bench-cache``):
   10,000 learners and 100,000 attempts for the load runs, and the admin issue's 100,000
   learners (1,300,000 attempts) for the dashboard, each on SQLite and on PostgreSQL.
2. Starts the platform with ``learn serve`` (gunicorn, as ``make run`` serves it) on a fresh
   copy of each data set, and a bare Flask app (``bench/bare``) serving one ~4 KB Jinja page
   with a base layout under the same gunicorn, worker count and flags: the ceiling.
3. Drives each page with wrk (a second process, 127.0.0.1 only): a warm-up, then rounds at
   8 and 32 connections, the bare page measured in every round beside the others. For each
   page: requests per second, median and 99th-percentile latency, server CPU milliseconds
   per request (utime+stime of the gunicorn master and workers, and of PostgreSQL's
   processes when it is the database, from ``/proc``), and errors. Each figure is the
   median of the rounds, printed with its ratio to the bare page. Peak resident memory
   of the workers is read from ``/proc/<pid>/status`` after the run.
4. Checks the writes from the database: every answer the server acknowledged is stored
   exactly once, attempts finish once, and every completed track has one certificate.
5. Writes ``bench/results/latest.md`` (raw figures and logs go to ``bench/results/raw/``).

Rate limits stay on, with limits raised far above the load (one address sends everything).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lib import datasets, fixtures, load, servers  # noqa: E402
from lib.postgres import Postgres  # noqa: E402

SECRET_KEY = "bench-secret-key-not-for-production-0123456789"
#: The data sets of a full run: learner pages, and the admin dashboard.
LOAD_SIZE = datasets.Size(20, 10_000, 100_000)
ADMIN_SIZE = datasets.Size(50, 100_000, 1_300_000)
#: Limits far above what one address sends here; the limiter still runs on every request.
RAISED_LIMITS = {
    "LEARN_LOGIN_LIMIT_PER_ADDRESS": "1000000 per minute",
    "LEARN_LOGIN_LIMIT_PER_ACCOUNT": "1000000 per minute",
    "LEARN_VERIFY_LIMIT_PER_ADDRESS": "1000000 per minute",
}

TARGET_CPU_RATIO = 4.0
TARGET_READ_RPS = 1500
TARGET_WRITE_RPS = {"sqlite": 300, "postgresql": 600}
TARGET_P99_MS = 50
TARGET_WORKER_MB = 120


@dataclass(frozen=True)
class Page:
    """A page to load: which server serves it and what requests it replays."""

    key: str
    label: str
    server: str  # "bare", "sqlite", "postgresql", "sqlite-admin", "postgresql-admin"
    kind: str = "read"  # "read" or "write"
    learner: bool = True  # counted in the learner-page latency target


PAGES = [
    Page("bare", "Bare Flask page (the ceiling)", "bare", learner=False),
    Page("floor", "Help page, signed in (the floor: user, session, layout)", "sqlite"),
    Page("signin", "Sign-in page", "sqlite"),
    Page("catalogue", "Catalogue (signed in)", "sqlite"),
    Page("home", "My learning (signed in, with progress)", "sqlite"),
    Page("module", "Module page (signed in)", "sqlite"),
    Page("answer", "Quiz answer submission (write)", "sqlite", kind="write"),
    Page("verify", "Verify a certificate", "sqlite"),
    Page("home-pg", "My learning, PostgreSQL", "postgresql"),
    Page("module-pg", "Module page, PostgreSQL", "postgresql"),
    Page("answer-pg", "Quiz answer submission, PostgreSQL (write)", "postgresql", kind="write"),
    Page("admin", "Admin dashboard, 100,000 learners, SQLite", "sqlite-admin", learner=False),
    Page(
        "admin-pg",
        "Admin dashboard, 100,000 learners, PostgreSQL",
        "postgresql-admin",
        learner=False,
    ),
]


@dataclass
class Round:
    """One measured wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    errors: int
    requests: int
    error_detail: dict = field(default_factory=dict)
    #: The database server's share of ``cpu_ms`` (PostgreSQL; SQLite runs inside the workers).
    db_cpu_ms: float = 0.0


@dataclass
class WriteCheck:
    """What the database says about one write run."""

    sent: int
    acknowledged: int
    stored: int
    acknowledged_not_stored: int
    acknowledged_twice: int
    duplicate_rows: int
    stored_not_acknowledged: int
    attempts_finished: int
    attempts_finished_wrongly: int
    completions: int
    completions_without_one_certificate: int
    exhausted: int

    @property
    def ok(self) -> bool:
        return (
            self.acknowledged_not_stored == 0
            and self.acknowledged_twice == 0
            and self.duplicate_rows == 0
            and self.attempts_finished_wrongly == 0
            and self.completions_without_one_certificate == 0
            and self.exhausted == 0
        )


def say(message: str) -> None:
    print(message, flush=True)


# --- set-up ------------------------------------------------------------------------------


class Bench:
    """Everything one run holds: data, servers, request lists, results."""

    def __init__(self, args) -> None:
        self.args = args
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        self.raw = Path(args.report_from or Path(args.raw) / f"run-{stamp}")
        self.raw.mkdir(parents=True, exist_ok=True)
        self.cache = Path(args.cache)
        self.cache.mkdir(parents=True, exist_ok=True)
        self.pages = [p for p in PAGES if self._wanted(p)]
        self.servers: dict[str, servers.Server] = {}
        self.apps: dict = {}
        self.lists: dict[str, Path] = {}
        self.pg: Postgres | None = None
        self.results: dict[tuple[str, int], list[Round]] = {}
        self.checks: dict[tuple[str, int], list[WriteCheck]] = {}
        self.rates: dict[tuple[str, int], float] = {}
        self.data_notes: list[str] = []
        self.write_tag = 0
        self.pg_version: str | None = None
        self.memory: dict = {}
        self.load_before = os.getloadavg()[0]
        self.load_after: float | None = None

    def _wanted(self, page: Page) -> bool:
        if page.key == "bare":
            return True
        if self.args.pages and page.key not in self.args.pages:
            return False
        database = page.server.split("-")[0]
        if database not in self.args.databases:
            return False
        return not (page.server.endswith("admin") and self.args.no_admin)

    def needs(self, server: str) -> bool:
        return any(p.server == server for p in self.pages)

    def prepare(self) -> None:
        """Build or reuse the data sets and start every server the chosen pages need."""
        args = self.args
        log = self.raw / "build.log"
        workers = args.workers or servers.default_workers()
        self.workers = workers
        if any(self.needs(s) for s in ("postgresql", "postgresql-admin")):
            self.pg = Postgres(self.cache / "pg", servers.free_port())
            say("Starting PostgreSQL")
            self.pg.start()
            self.pg_version = self.pg.version()
        for database in ("sqlite", "postgresql"):
            if self.needs(database):
                say(f"Load data set on {database}: {args.load_size.label()}")
                url = self._dataset(database, args.load_size, log, copy_as="run_load")
                self._start_platform(database, url, workers)
            if self.needs(f"{database}-admin"):
                say(f"Admin data set on {database}: {args.admin_size.label()}")
                url = self._dataset(database, args.admin_size, log, copy_as=None)
                self._start_platform(f"{database}-admin", url, workers)
        say("Starting the bare Flask page")
        bare = servers.bare_server(servers.free_port(), self.raw / "bare.log", workers)
        bare.start("/")
        self.servers["bare"] = bare
        self._write_lists()

    def _dataset(self, database: str, size: datasets.Size, log: Path, copy_as: str | None):
        if database == "sqlite":
            cached = datasets.sqlite_set(self.cache, size, SECRET_KEY, log, say)
            if copy_as is None:
                return f"sqlite:///{cached}"
            return f"sqlite:///{datasets.sqlite_copy(cached, self.raw / f'{copy_as}.db')}"
        assert self.pg is not None
        name = datasets.postgres_set(self.pg, size, SECRET_KEY, log, say)
        if copy_as is None:
            return self.pg.url(name)
        self.pg.copy(name, copy_as)
        return self.pg.url(copy_as)

    def _start_platform(self, name: str, url: str, workers: int) -> None:
        env = datasets.learn_env(url, SECRET_KEY)
        env.update(RAISED_LIMITS)
        server = servers.platform_server(
            env, servers.free_port(), self.raw / f"platform-{name}.log", self.args.workers
        )
        say(f"Starting the platform on {name} ({workers} gunicorn workers)")
        server.start("/healthz")
        self.servers[name] = server
        self.apps[name] = fixtures.bench_app(url, SECRET_KEY)

    def _write_lists(self) -> None:
        """Write the request list of every read page."""
        R = load.Request
        cache: dict[str, tuple] = {}
        for page in self.pages:
            if page.kind != "read":
                continue
            if page.server == "bare":
                requests = [R("GET", "/")]
            elif page.server.endswith("admin"):
                cookie = fixtures.admin_cookie(self.apps[page.server], datasets.ADMIN_EMAIL)
                requests = [R("GET", "/admin/", cookie)]
            else:
                if page.server not in cache:
                    app = self.apps[page.server]
                    cache[page.server] = (
                        fixtures.readers(app, 500),
                        fixtures.certificate_codes(app, 500),
                    )
                requests = _read_requests(page.key.removesuffix("-pg"), *cache[page.server])
            self.lists[page.key] = load.write_list(self.raw / "lists" / f"{page.key}.txt", requests)

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        if self.pg is not None:
            self.pg.stop()

    # --- measuring -----------------------------------------------------------------------

    def _cpu(self, page: Page) -> tuple[float, float]:
        """Return CPU seconds used so far by the app server and by the database server."""
        database = 0.0
        if page.server.startswith("postgresql") and self.pg is not None:
            database = self.pg.cpu_seconds()
        return self.servers[page.server].cpu_seconds(), database

    def _wait_idle(self, page: Page, limit: float = 20.0) -> None:
        """Wait until the servers have finished the requests in flight when wrk stopped."""
        deadline = time.monotonic() + limit
        last = sum(self._cpu(page))
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = sum(self._cpu(page))
            if now - last < 0.02:
                return
            last = now

    def run_page(self, page: Page, connections: int, seconds: float, *, record: bool) -> Round:
        """Load one page once; record the round unless it is a warm-up."""
        server = self.servers[page.server]
        threads = min(self.args.threads, connections)
        check = None
        if page.kind == "write":
            list_prefix, ack_prefix, attempts = self._write_plan(
                page, connections, threads, seconds
            )
            script, script_args = "answers.lua", [str(list_prefix), str(ack_prefix)]
        else:
            script, script_args = "pages.lua", [str(self.lists[page.key])]
        before = self._cpu(page)
        result = load.run_wrk(
            server.url, script, script_args,
            connections=connections, threads=threads, seconds=seconds,
        )  # fmt: skip
        after = self._cpu(page)
        cpu = sum(after) - sum(before)
        db_cpu = after[1] - before[1]
        if page.kind == "write":
            # Requests in flight when wrk stopped are still running on the server: let them
            # finish (an attempt's last answer goes on to finish it, complete the module and
            # issue the certificate) before reading the database.
            self._wait_idle(page)
            check = check_answers(self.apps[page.server], attempts, ack_prefix, threads, result)
        else:
            self._wait_idle(page)
            self.rates[(page.key, connections)] = max(
                result.rps, self.rates.get((page.key, connections), 0.0)
            )
        measured = Round(
            rps=result.rps,
            p50_ms=result.p50_ms,
            p99_ms=result.p99_ms,
            cpu_ms=1000 * cpu / result.requests if result.requests else float("nan"),
            errors=result.errors,
            requests=result.requests,
            error_detail=result.error_detail,
            db_cpu_ms=1000 * db_cpu / result.requests if result.requests else 0.0,
        )
        if record:
            self.results.setdefault((page.key, connections), []).append(measured)
            if check is not None:
                self.checks.setdefault((page.key, connections), []).append(check)
        return measured

    def _write_plan(self, page: Page, connections: int, threads: int, seconds: float):
        """Make fresh open attempts for one write run and write each thread's list."""
        self.write_tag += 1
        tag = f"{os.getpid()}-{self.write_tag}"
        rate = self.rates.get((page.key, connections), self.args.write_rate_guess)
        needed = int(max(rate, 200) * 1.8 * seconds) + 50 * connections
        learners = needed // 40 + 1
        attempts = fixtures.answer_pairs(self.apps[page.server], learners, tag)
        lists = fixtures.interleave(attempts, threads, max(1, connections // threads))
        folder = self.raw / "writes" / f"{page.key}-{tag}"
        for i, pairs in enumerate(lists):
            load.write_list(folder / f"list.{i}", [p.request for p in pairs])
        return folder / "list", folder / "acks", attempts

    def measure(self) -> None:
        """Warm up, then measure every page in rounds, the bare page in each round."""
        args = self.args
        for connections in args.connections:
            say(f"== {connections} connections ==")
            for page in self.pages:
                self.run_page(page, connections, args.warmup, record=False)
            for n in range(1, args.rounds + 1):
                for page in self.pages:
                    r = self.run_page(page, connections, args.seconds, record=True)
                    say(
                        f"  round {n} {page.key:10s} {r.rps:8.0f} req/s  p50 {r.p50_ms:7.1f} ms"
                        f"  p99 {r.p99_ms:7.1f} ms  cpu {r.cpu_ms:6.2f} ms/req  errors {r.errors}"
                    )
                self.save_rounds()
        self.memory = {name: server.worker_memory() for name, server in self.servers.items()}
        self.save_rounds()

    def load_rounds(self, folder: Path) -> None:
        """Read the rounds of an earlier run (``--report-from``)."""
        data = json.loads((folder / "rounds.json").read_text())
        self.raw = folder
        for key, rounds in data["results"].items():
            page, connections = key.rsplit("@", 1)
            self.results[(page, int(connections))] = [Round(**r) for r in rounds]
        for key, checks in data["checks"].items():
            page, connections = key.rsplit("@", 1)
            self.checks[(page, int(connections))] = [WriteCheck(**c) for c in checks]
        self.memory = data["memory"]
        self.pg_version = data["pg_version"]
        self.workers = data["workers"]
        self.load_before, self.load_after = data.get("load", [self.load_before, None])

    def save_rounds(self) -> None:
        """Keep every round measured so far (a failure later loses nothing)."""
        (self.raw / "rounds.json").write_text(
            json.dumps(
                {
                    "results": {
                        f"{k}@{c}": [asdict(r) for r in v] for (k, c), v in self.results.items()
                    },
                    "checks": {
                        f"{k}@{c}": [asdict(x) for x in v] for (k, c), v in self.checks.items()
                    },
                    "memory": self.memory,
                    "pg_version": self.pg_version,
                    "workers": getattr(self, "workers", None),
                    "load": [self.load_before, os.getloadavg()[0]],
                },
                indent=1,
            )
        )


def _read_requests(page: str, readers, codes) -> list[load.Request]:
    """Return the requests a read page replays."""
    R = load.Request
    if page == "signin":
        return [R("GET", "/login")]
    if page == "floor":
        return [R("GET", "/help", r.cookie) for r in readers]
    if page == "catalogue":
        return [R("GET", "/courses", r.cookie) for r in readers]
    if page == "home":
        return [R("GET", "/learning", r.cookie) for r in readers]
    if page == "module":
        return [R("GET", r.module_path, r.cookie) for r in readers]
    if page == "verify":
        return [R("GET", f"/verify/{c}") for c in codes]
    raise ValueError(page)


# --- checking the writes ------------------------------------------------------------------

_ACK = re.compile(r"/attempts/(\d+)/feedback/([^?\s]+)")


def check_answers(app, attempts, ack_prefix: Path, threads: int, result) -> WriteCheck:
    """Compare what the server acknowledged with what the database holds."""
    from sqlalchemy import func, select

    from learn.extensions import db
    from learn.models import AttemptAnswer, Certificate, QuizAttempt, TrackCompletion

    acked: Counter = Counter()
    for i in range(threads):
        path = Path(f"{ack_prefix}.{i}")
        if path.exists():
            for line in path.read_text().splitlines():
                found = _ACK.search(line)
                if found:
                    acked[(int(found.group(1)), found.group(2))] += 1
    expected = {(p.attempt_id, p.question_id) for pairs in attempts for p in pairs}
    per_attempt = {
        pairs[0].attempt_id: {p.question_id for p in pairs} for pairs in attempts if pairs
    }
    low, high = min(per_attempt), max(per_attempt)
    with app.app_context():
        rows = db.session.execute(
            select(AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.step).where(
                AttemptAnswer.attempt_id.between(low, high)
            )
        ).all()
        finished = dict(
            db.session.execute(
                select(QuizAttempt.id, QuizAttempt.submitted_at).where(
                    QuizAttempt.id.between(low, high)
                )
            ).all()
        )
        user_ids = select(QuizAttempt.user_id).where(QuizAttempt.id.between(low, high))
        certificate_counts = db.session.execute(
            select(TrackCompletion.id, func.count(Certificate.id))
            .outerjoin(Certificate, Certificate.completion_id == TrackCompletion.id)
            .where(TrackCompletion.user_id.in_(user_ids))
            .group_by(TrackCompletion.id)
        ).all()
        db.session.remove()
    keys = Counter(rows)
    stored = {(a, q) for a, q, _ in rows if (a, q) in expected}
    complete = [a for a, qs in per_attempt.items() if all((a, q) in stored for q in qs)]
    wrongly = sum(1 for a in complete if finished.get(a) is None) + sum(
        1 for a in per_attempt if a not in complete and finished.get(a) is not None
    )
    return WriteCheck(
        sent=result.sent or 0,
        acknowledged=sum(acked.values()),
        stored=len(stored),
        acknowledged_not_stored=sum(1 for k in acked if k not in stored),
        acknowledged_twice=sum(v - 1 for v in acked.values() if v > 1),
        duplicate_rows=sum(v - 1 for v in keys.values() if v > 1),
        stored_not_acknowledged=len(stored - set(acked)),
        attempts_finished=sum(1 for a in per_attempt if finished.get(a) is not None),
        attempts_finished_wrongly=wrongly,
        completions=len(certificate_counts),
        completions_without_one_certificate=sum(1 for _, n in certificate_counts if n != 1),
        exhausted=result.exhausted,
    )


# --- reporting ----------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(rounds: list[Round]) -> dict:
    return {
        "rps": _median([r.rps for r in rounds]),
        "p50_ms": _median([r.p50_ms for r in rounds]),
        "p99_ms": _median([r.p99_ms for r in rounds]),
        "cpu_ms": _median([r.cpu_ms for r in rounds]),
        "db_cpu_ms": _median([r.db_cpu_ms for r in rounds]),
        "errors": sum(r.errors for r in rounds),
        "requests": sum(r.requests for r in rounds),
        "rounds": len(rounds),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _versions() -> str:
    import sqlite3

    names = ["Flask", "Werkzeug", "Jinja2", "SQLAlchemy", "gunicorn"]
    parts = [f"{n} {metadata.version(n)}" for n in names]
    return ", ".join(parts) + f", SQLite {sqlite3.sqlite_version}"


def _fmt_ratio(value: float, bare: float) -> str:
    if not bare or value != value:
        return ""
    return f" ({value / bare:.1f}×)"


def write_report(bench: Bench, path: Path, started: float) -> dict:
    """Write the Markdown table and return the summary (also saved as JSON)."""
    args = bench.args
    summary = {f"{k}@{c}": summarise(v) for (k, c), v in bench.results.items()}
    lines = [
        "# Speed and load benchmark",
        "",
        f"Made by `make bench` (`bench/run.py{' --quick' if args.quick else ''}`) on "
        f"{datetime.now().strftime('%Y-%m-%d %H:%M')}, in {(time.time() - started) / 60:.0f} "
        "minutes.",
        "",
        f"- Machine: {_cpu_model()}, {os.cpu_count()} cores, {_memory_gb():.0f} GB RAM, "
        f"{platform.platform()}; shared with other work (load average "
        f"{bench.load_before:.1f} at the start, "
        f"{bench.load_after or os.getloadavg()[0]:.1f} at the end).",
        f"- Python {platform.python_version()}; {_versions()}"
        + (
            f"; PostgreSQL {bench.pg_version} (durable defaults: fsync and synchronous_commit on)"
            if bench.pg_version
            else ""
        )
        + ".",
        f"- Servers: `learn serve` (gunicorn, {bench.workers} sync workers, access log on) and the "
        f"bare Flask page (`bench/bare`) under the same gunicorn, workers and flags.",
        f"- Data: `learn demo-data` with {args.load_size.label()} for the learner pages; "
        f"{args.admin_size.label()} for the admin dashboard.",
        f"- Load: wrk {args.threads} threads from a second process on 127.0.0.1, "
        f"{args.warmup:g} s warm-up, then {args.rounds} rounds of {args.seconds:g} s per page "
        "and connection count, the bare page measured in every round. Each figure is the "
        "median of the rounds; (×) is its ratio to the bare page at the same connections. "
        "Errors are summed over the rounds (socket errors and HTTP status ≥ 400).",
        "- Server CPU is utime+stime of the gunicorn master and workers (plus PostgreSQL's "
        "processes on PostgreSQL, shown in brackets) read from `/proc` before and after each "
        "round, divided by the requests served.",
        "",
        "| page | conns | req/s | p50 ms | p99 ms | server CPU ms/req | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for connections in args.connections:
        bare = summary.get(f"bare@{connections}")
        for page in bench.pages:
            s = summary.get(f"{page.key}@{connections}")
            if s is None:
                continue
            b = bare if page.key != "bare" and bare else None
            database = f" (database {s['db_cpu_ms']:.2f})" if s["db_cpu_ms"] else ""
            lines.append(
                f"| {page.label} | {connections} "
                f"| {s['rps']:,.0f}{_fmt_ratio(s['rps'], b['rps']) if b else ''} "
                f"| {s['p50_ms']:.1f}{_fmt_ratio(s['p50_ms'], b['p50_ms']) if b else ''} "
                f"| {s['p99_ms']:.1f}{_fmt_ratio(s['p99_ms'], b['p99_ms']) if b else ''} "
                f"| {s['cpu_ms']:.2f}{_fmt_ratio(s['cpu_ms'], b['cpu_ms']) if b else ''}{database} "
                f"| {s['errors']} |"
            )
    lines += [
        "",
        "## Memory after the run",
        "",
        "| server | workers | largest worker resident (VmRSS) | largest worker peak (VmHWM) |",
        "| --- | ---: | ---: | ---: |",
    ]
    memory_summary = {}
    for name, rows in bench.memory.items():
        if not rows:
            continue
        rss = max(r[1] for r in rows) / 1024
        hwm = max(r[2] for r in rows) / 1024
        memory_summary[name] = {"rss_mb": rss, "hwm_mb": hwm, "workers": len(rows)}
        lines.append(f"| {name} | {len(rows)} | {rss:.0f} MB | {hwm:.0f} MB |")
    summary["memory"] = memory_summary

    # Writes.
    write_lines = []
    for (key, connections), checks in bench.checks.items():
        total = {f: sum(getattr(c, f) for c in checks) for f in WriteCheck.__dataclass_fields__}
        ok = all(c.ok for c in checks)
        write_lines.append(
            f"| {key} | {connections} | {total['acknowledged']:,} | {total['stored']:,} "
            f"| {total['acknowledged_not_stored']} | {total['duplicate_rows']} "
            f"| {total['acknowledged_twice']} | {total['stored_not_acknowledged']} "
            f"| {total['attempts_finished']:,} | {total['completions']:,} "
            f"| {total['completions_without_one_certificate']} | {'yes' if ok else 'NO'} |"
        )
        summary[f"check:{key}@{connections}"] = {**total, "ok": ok}
    if write_lines:
        lines += [
            "",
            "## Writes, checked in the database",
            "",
            "Each request answers a distinct (attempt, question) pair of an open attempt made "
            "for the run; the Lua script records the feedback page each redirect names. After "
            "each round the database is read: every acknowledged answer must be stored exactly "
            "once, attempts must be finished exactly when all their questions are answered, and "
            "every completed track must have exactly one certificate. Answers stored but not "
            "acknowledged are the requests in flight when wrk stopped (at most one per "
            "connection). Totals over the measured rounds:",
            "",
            "| page | conns | acknowledged | stored | acknowledged, not stored | duplicate rows "
            "| acknowledged twice | stored, in flight at the end | attempts finished "
            "| tracks completed | without exactly one certificate | all correct |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            *write_lines,
        ]

    lines += ["", "## Targets (issue #8), judged at 8 connections unless stated", "",
              "| target | measured | met |", "| --- | --- | --- |"]  # fmt: skip
    targets = []

    def target(text: str, measured: str, ok: bool) -> None:
        targets.append({"target": text, "measured": measured, "met": ok})
        lines.append(f"| {text} | {measured} | {'yes' if ok else '**no**'} |")

    bare8 = summary.get("bare@8")
    for key in ("module", "home", "module-pg", "home-pg"):
        s = summary.get(f"{key}@8")
        if s is None or bare8 is None:
            continue
        label = next(p.label for p in bench.pages if p.key == key)
        ratio = s["cpu_ms"] / bare8["cpu_ms"]
        target(f"{label}: server CPU ≤ {TARGET_CPU_RATIO:g}× the bare page",
               f"{s['cpu_ms']:.2f} ms vs {bare8['cpu_ms']:.2f} ms ({ratio:.1f}×)",
               ratio <= TARGET_CPU_RATIO)  # fmt: skip
        target(f"{label}: ≥ {TARGET_READ_RPS:,} req/s", f"{s['rps']:,.0f} req/s",
               s["rps"] >= TARGET_READ_RPS)  # fmt: skip
        errors = sum(summary[f"{key}@{c}"]["errors"] for c in args.connections
                     if f"{key}@{c}" in summary)  # fmt: skip
        target(f"{label}: zero errors (all rounds, all connection counts)", str(errors),
               errors == 0)  # fmt: skip
    for key, database in (("answer", "sqlite"), ("answer-pg", "postgresql")):
        s = summary.get(f"{key}@8")
        if s is None:
            continue
        goal = TARGET_WRITE_RPS[database]
        target(f"Quiz answers on {database}: ≥ {goal} per second", f"{s['rps']:,.0f} per second",
               s["rps"] >= goal)  # fmt: skip
        errors = sum(summary[f"{key}@{c}"]["errors"] for c in args.connections
                     if f"{key}@{c}" in summary)  # fmt: skip
        checked = [summary[k]["ok"] for k in summary if k.startswith(f"check:{key}@")]
        target(f"Quiz answers on {database}: zero errors, each answer stored exactly once",
               f"{errors} errors; database check {'passed' if all(checked) else 'FAILED'}",
               errors == 0 and all(checked))  # fmt: skip
    slow = []
    for page in bench.pages:
        s = summary.get(f"{page.key}@8")
        if page.learner and s is not None:
            slow.append((page.label, s["p99_ms"]))
    if slow:
        worst = max(slow, key=lambda x: x[1])
        target(f"p99 latency of every learner page < {TARGET_P99_MS} ms",
               f"worst: {worst[0]}, {worst[1]:.1f} ms",
               all(v < TARGET_P99_MS for _, v in slow))  # fmt: skip
    platform_memory = [m for n, m in memory_summary.items() if n != "bare"]
    if platform_memory:
        largest = max(m["rss_mb"] for m in platform_memory)
        target(f"A gunicorn worker < {TARGET_WORKER_MB} MB resident after the run",
               f"largest platform worker {largest:.0f} MB",
               largest < TARGET_WORKER_MB)  # fmt: skip
    summary["targets"] = targets
    summary["data"] = bench.data_notes
    lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    (bench.raw / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


# --- main ---------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small data, 3 s rounds: a smoke test, not the README"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=None, help="per round (default 8)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds (default 3)")
    parser.add_argument("--connections", default="8,32")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: learn serve's, 2 per core)")  # fmt: skip
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--pages", default="", help="comma-separated page keys (default all)")
    parser.add_argument("--no-admin", action="store_true", help="skip the 100,000-learner pages")
    parser.add_argument("--cache", default=str(ROOT / "instance" / "bench-cache"))
    parser.add_argument("--raw", default=str(ROOT / "bench" / "results" / "raw"))
    parser.add_argument("--output", default=None)
    parser.add_argument("--write-rate-guess", type=float, default=1500.0)
    parser.add_argument(
        "--report-from", default=None, help="write the report again from a raw run folder"
    )
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.databases = set(args.databases.split(","))
    args.pages = set(filter(None, args.pages.split(",")))
    if args.quick:
        args.seconds = args.seconds or 3
        args.warmup = args.warmup or 1
        args.load_size = datasets.Size(10, 2_000, 20_000)
        args.admin_size = datasets.Size(20, 10_000, 130_000)
    else:
        args.seconds = args.seconds or 8
        args.warmup = args.warmup or 3
        args.load_size = LOAD_SIZE
        args.admin_size = ADMIN_SIZE
    if args.output is None:
        args.output = str(
            ROOT / "bench" / "results" / ("latest-quick.md" if args.quick else "latest.md")
        )
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.disable(logging.INFO)
    load.wrk_path()
    started = time.time()
    bench = Bench(args)
    if args.report_from:
        bench.load_rounds(Path(args.report_from))
    else:
        try:
            bench.prepare()
            bench.measure()
        finally:
            bench.stop()
    write_report(bench, Path(args.output), started)
    say(Path(args.output).read_text())
    say(f"Raw figures and logs: {bench.raw}")


if __name__ == "__main__":
    main()
