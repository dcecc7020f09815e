"""Soak test: ten minutes of mixed traffic, then a check straight from the database.

    .venv/bin/python bench/soak.py                     # 10 minutes on SQLite
    .venv/bin/python bench/soak.py --database postgresql
    .venv/bin/python bench/soak.py --quick             # 1 minute, small data: a smoke test

Not part of ``make test``. It serves the 10,000-learner data set (``bench/run.py``'s, from
the same cache) with ``learn serve`` and, for ``--minutes``, runs at once:

- wrk (8 connections, 127.0.0.1): signed-in learners reading "My learning", module pages
  and the catalogue, the sign-in page, certificates being verified; every fifth request a
  quiz answer (each (attempt, question) pair sent once, its redirect recorded); every
  2,000th an admin exporting every person as CSV;
- walkers: learners who sign in with a password and go through a whole track over HTTP
  (read, quiz, every question including branching scenarios step by step, feedback,
  summary), so tracks are completed and certificates issued while the load runs.

Then it reads the database: every acknowledged answer stored exactly once and no answer
stored twice anywhere, every attempt finished exactly when all its questions were answered,
and every completed track with exactly one certificate. The result goes to
``bench/results/soak.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lib import datasets, fixtures, load, servers, walker  # noqa: E402
from lib.postgres import Postgres  # noqa: E402
from run import _ACK, LOAD_SIZE, RAISED_LIMITS, SECRET_KEY  # noqa: E402

WALKER_PASSWORD = "walker pass phrase for the soak"


def say(message: str) -> None:
    print(message, flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--walkers", type=int, default=2, help="learners going through tracks")
    parser.add_argument("--write-every", type=int, default=5)
    parser.add_argument("--export-every", type=int, default=2000)
    parser.add_argument("--rate-guess", type=float, default=800.0, help="requests per second")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--cache", default=str(ROOT / "instance" / "bench-cache"))
    parser.add_argument("--raw", default=str(ROOT / "bench" / "results" / "raw"))
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes = min(args.minutes, 1)
        args.size = datasets.Size(10, 2_000, 20_000)
    else:
        args.size = LOAD_SIZE
    if args.output is None:
        name = "soak-quick.md" if args.quick else "soak.md"
        args.output = str(ROOT / "bench" / "results" / name)
    return args


def make_walkers(app, count: int, tag: str):
    """Create walker learners with a password; return (email, password, track) triples."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from learn.extensions import db
    from learn.models import Role, User
    from learn.services import accounts, catalogue

    password_hash = generate_password_hash(WALKER_PASSWORD)  # scrypt, as the app does
    with app.app_context():
        org = accounts.ensure_organisation(fixtures.BENCH_ORG)
        db.session.commit()
        course = catalogue.live_courses()[0]
        tracks = catalogue.course_info(course.live_version_id).tracks
        rows = [
            {
                "email": f"walker-{tag}-{n}@bench.example.gov",
                "name": f"Walker {n}",
                "role": Role.LEARNER,
                "organisation_id": org.id,
                "password_hash": password_hash,
                "session_token": os.urandom(16).hex(),
                "active": True,
            }
            for n in range(count)
        ]
        db.session.execute(insert(User), rows)
        db.session.commit()
        return course.slug, [
            (row["email"], WALKER_PASSWORD, tracks[n % len(tracks)]) for n, row in enumerate(rows)
        ]


def quiz_lookup(app):
    """Return attempt id -> core quiz, reading the attempt's quiz version once."""
    from learn.extensions import db
    from learn.models import QuizAttempt
    from learn.services import catalogue

    lock = threading.Lock()

    def lookup(attempt_id: int):
        with lock, app.app_context():
            version_id = db.session.get(QuizAttempt, attempt_id).quiz_version_id
            quiz = catalogue.quiz_for(version_id)
            db.session.remove()
            return quiz

    return lookup


def check_database(app, attempts, acked: Counter, walker_answers) -> dict:
    """Read the database: answers once, attempts finished right, one certificate a track."""
    from sqlalchemy import func, select

    from learn.extensions import db
    from learn.models import AttemptAnswer, Certificate, QuizAttempt, TrackCompletion

    with app.app_context():
        duplicates = db.session.execute(
            select(AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.step)
            .group_by(AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.step)
            .having(func.count() > 1)
        ).all()
        ids = [pairs[0].attempt_id for pairs in attempts if pairs]
        low, high = (min(ids), max(ids)) if ids else (0, -1)
        stored = {
            (a, q)
            for a, q in db.session.execute(
                select(AttemptAnswer.attempt_id, AttemptAnswer.question_id).where(
                    AttemptAnswer.attempt_id.between(low, high)
                )
            )
        }
        finished = dict(
            db.session.execute(
                select(QuizAttempt.id, QuizAttempt.submitted_at).where(
                    QuizAttempt.id.between(low, high)
                )
            ).all()
        )
        walker_rows = set(
            db.session.execute(
                select(AttemptAnswer.attempt_id, AttemptAnswer.question_id, AttemptAnswer.step)
            ).all()
        )
        certificate_counts = db.session.execute(
            select(TrackCompletion.id, func.count(Certificate.id))
            .outerjoin(Certificate, Certificate.completion_id == TrackCompletion.id)
            .group_by(TrackCompletion.id)
        ).all()
        totals = {
            "answers_in_database": db.session.scalar(select(func.count(AttemptAnswer.id))),
            "completions_in_database": len(certificate_counts),
            "certificates_in_database": db.session.scalar(select(func.count(Certificate.id))),
        }
        db.session.remove()
    expected = {(p.attempt_id, p.question_id) for pairs in attempts for p in pairs}
    per_attempt = {
        pairs[0].attempt_id: {p.question_id for p in pairs} for pairs in attempts if pairs
    }
    complete = {a for a, qs in per_attempt.items() if all((a, q) in stored for q in qs)}
    wrongly = sum(1 for a in complete if finished.get(a) is None) + sum(
        1 for a in per_attempt if a not in complete and finished.get(a) is not None
    )
    stored_load = stored & expected
    return {
        **totals,
        "load_answers_acknowledged": sum(acked.values()),
        "load_answers_stored": len(stored_load),
        "load_acknowledged_not_stored": sum(1 for k in acked if k not in stored),
        "load_acknowledged_twice": sum(v - 1 for v in acked.values() if v > 1),
        "load_stored_not_acknowledged": len(stored_load - set(acked)),
        "walker_answers_acknowledged": len(walker_answers),
        "walker_acknowledged_not_stored": sum(1 for k in walker_answers if k not in walker_rows),
        "duplicate_answer_rows": len(duplicates),
        "attempts_finished": sum(1 for a in per_attempt if finished.get(a) is not None),
        "attempts_finished_wrongly": wrongly,
        "completions_without_exactly_one_certificate": sum(
            1 for _, n in certificate_counts if n != 1
        ),
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.disable(logging.INFO)
    load.wrk_path()
    started = time.time()
    load_before = os.getloadavg()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    raw = Path(args.raw) / f"soak-{stamp}"
    raw.mkdir(parents=True, exist_ok=True)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    pg = None
    server = None
    try:
        say(f"Data set on {args.database}: {args.size.label()}")
        if args.database == "sqlite":
            cached = datasets.sqlite_set(cache, args.size, SECRET_KEY, raw / "build.log", say)
            url = f"sqlite:///{datasets.sqlite_copy(cached, raw / 'soak.db')}"
        else:
            pg = Postgres(cache / "pg", servers.free_port())
            pg.start()
            name = datasets.postgres_set(pg, args.size, SECRET_KEY, raw / "build.log", say)
            pg.copy(name, "soak")
            url = pg.url("soak")
        env = datasets.learn_env(url, SECRET_KEY)
        env.update(RAISED_LIMITS)
        server = servers.platform_server(
            env, servers.free_port(), raw / "platform.log", args.workers
        )
        server.start("/healthz")
        app = fixtures.bench_app(url, SECRET_KEY)

        say("Preparing learners, answers and walkers")
        R = load.Request
        readers = fixtures.readers(app, 500)
        codes = fixtures.certificate_codes(app, 500)
        reads = []
        for i, reader in enumerate(readers):
            reads += [
                R("GET", "/learning", reader.cookie),
                R("GET", reader.module_path, reader.cookie),
                R("GET", reader.module_path, reader.cookie),
                R("GET", f"/verify/{codes[i % len(codes)]}"),
            ]
            if i % 4 == 0:
                reads += [R("GET", "/courses", reader.cookie), R("GET", "/login")]
        read_list = load.write_list(raw / "reads.txt", reads)
        admin = fixtures.admin_cookie(app, datasets.ADMIN_EMAIL)
        export_list = load.write_list(raw / "exports.txt", [R("GET", "/admin/people.csv", admin)])
        seconds = args.minutes * 60
        writes_needed = int(args.rate_guess * seconds / args.write_every * 1.5) + 1000
        attempts = fixtures.answer_pairs(app, writes_needed // 40 + 1, f"soak{os.getpid()}")
        lists = fixtures.interleave(
            attempts, args.threads, max(1, args.connections // args.threads)
        )
        for i, pairs in enumerate(lists):
            load.write_list(raw / "writes" / f"list.{i}", [p.request for p in pairs])
        say(f"  {sum(len(p) for p in lists):,} answers ready for the load")
        course_slug, accounts = make_walkers(app, 400, f"soak{os.getpid()}")
        stats = walker.WalkerStats()
        stop = threading.Event()
        lookup = quiz_lookup(app)
        walkers = [
            walker.Walker(server.url, accounts[i :: args.walkers], course_slug, lookup, stats, stop)
            for i in range(args.walkers)
        ]

        say(f"Soaking for {args.minutes:g} minutes")
        memory = []
        cpu_before = server.cpu_seconds()
        result_box = {}

        def run_load():
            result_box["wrk"] = load.run_wrk(
                server.url,
                "mixed.lua",
                [
                    str(read_list), str(raw / "writes" / "list"), str(raw / "writes" / "acks"),
                    str(export_list), str(args.write_every), str(args.export_every),
                ],
                connections=args.connections,
                threads=args.threads,
                seconds=seconds,
                timeout=60,
            )  # fmt: skip

        loader = threading.Thread(target=run_load, daemon=True)
        loader.start()
        for w in walkers:
            w.start()
        begun = time.monotonic()
        while loader.is_alive():
            loader.join(30)
            memory.append((round(time.monotonic() - begun), [m[1] for m in server.worker_memory()]))
        stop.set()
        walker.wait(walkers, 120)
        cpu = server.cpu_seconds() - cpu_before
        result = result_box["wrk"]
        final_memory = server.worker_memory()

        say("Checking the database")
        acked: Counter = Counter()
        statuses: Counter = Counter()
        for i in range(args.threads):
            path = raw / "writes" / f"acks.{i}"
            for line in path.read_text().splitlines() if path.exists() else []:
                found = _ACK.search(line)
                if found:
                    acked[(int(found.group(1)), found.group(2))] += 1
                else:
                    statuses[line.split()[0]] += 1
        checks = check_database(app, attempts, acked, stats.answers)
    finally:
        if server is not None:
            server.stop()
        if pg is not None:
            pg.stop()

    ok = (
        result.errors == 0
        and not stats.errors
        and checks["load_acknowledged_not_stored"] == 0
        and checks["load_acknowledged_twice"] == 0
        and checks["walker_acknowledged_not_stored"] == 0
        and checks["duplicate_answer_rows"] == 0
        and checks["attempts_finished_wrongly"] == 0
        and checks["completions_without_exactly_one_certificate"] == 0
        and result.exhausted == 0
    )
    rss = [m[1] / 1024 for m in final_memory]
    lines = [
        "# Soak test",
        "",
        f"Made by `bench/soak.py{' --quick' if args.quick else ''}` on "
        f"{datetime.now().strftime('%Y-%m-%d %H:%M')} ({(time.time() - started) / 60:.0f} "
        f"minutes in all), {os.cpu_count()} cores, load average {load_before[0]:.1f} at the "
        f"start and {os.getloadavg()[0]:.1f} at the end (a shared machine).",
        "",
        f"- Database: {args.database}; data: `learn demo-data` with {args.size.label()}; "
        f"`learn serve` with {len(final_memory)} gunicorn workers.",
        f"- Load: wrk, {args.connections} connections, {args.minutes:g} minutes of mixed "
        f"traffic: signed-in learners reading (My learning, module pages, catalogue), the "
        f"sign-in page, certificate checks; every {args.write_every}th request a quiz answer; "
        f"every {args.export_every}th an admin CSV export of every person. Beside it "
        f"{args.walkers} walkers signing in with a password and going through whole tracks.",
        "",
        "| figure | value |",
        "| --- | ---: |",
        f"| requests (wrk) | {result.requests:,} |",
        f"| requests per second (wrk) | {result.rps:,.0f} |",
        f"| p50 / p99 latency | {result.p50_ms:.1f} ms / {result.p99_ms:.1f} ms |",
        f"| quiz answers sent by wrk | {result.raw.get('sent', 0):,} "
        f"({result.raw.get('sent', 0) / result.seconds:,.0f} per second) |",
        f"| admin exports | {result.raw.get('exported', 0):,} |",
        f"| errors (wrk: socket errors and status ≥ 400) | {result.errors} "
        f"{dict(statuses) if statuses else ''} |",
        f"| walker journeys (whole tracks) | {stats.journeys} |",
        f"| walker requests / errors | {stats.requests:,} / {len(stats.errors)} |",
        f"| server CPU per request (wrk and walkers) | "
        f"{1000 * cpu / max(1, result.requests + stats.requests):.2f} ms |",
        f"| worker resident memory at the end | {min(rss):.0f}–{max(rss):.0f} MB |",
        f"| largest worker resident, every 30 s | "
        f"{', '.join(f'{max(m) / 1024:.0f}' for _, m in memory if m)} MB |",
        "",
        "## Checked in the database at the end",
        "",
        "| check | value |",
        "| --- | ---: |",
        *[f"| {k.replace('_', ' ')} | {v:,} |" for k, v in checks.items()],
        "",
        f"**Result: {'nothing lost, nothing doubled' if ok else 'FAILED'}.**",
        "",
    ]
    if stats.errors:
        lines += ["Walker errors (first 10):", "", *[f"- {e}" for e in stats.errors[:10]], ""]
    Path(args.output).write_text("\n".join(lines))
    (raw / "soak.json").write_text(
        json.dumps(
            {
                "wrk": result.raw,
                "checks": checks,
                "walker_errors": stats.errors[:50],
                "memory": memory,
                "ok": ok,
            },
            indent=2,
        )  # fmt: skip
    )
    say(Path(args.output).read_text())
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
