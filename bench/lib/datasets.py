"""Build the benchmark's data sets with ``learn demo-data``, and keep them between runs.

A data set is made once per (models, demo generator, shipped content, size) and cached:
a SQLite file, or a PostgreSQL database used as a template. Each run loads a fresh copy,
so the write benchmark never sees a previous run's answers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .servers import ROOT, VENV_BIN

ADMIN_EMAIL = "bench-admin@example.org"
ADMIN_PASSWORD = "bench admin pass phrase"


@dataclass(frozen=True)
class Size:
    """How big a data set is (the arguments of ``learn demo-data``)."""

    organisations: int
    learners: int
    attempts: int
    seed: int = 1

    def args(self) -> list[str]:
        return [
            "--organisations", str(self.organisations), "--learners", str(self.learners),
            "--attempts", str(self.attempts), "--seed", str(self.seed),
        ]  # fmt: skip

    def label(self) -> str:
        return f"{self.learners:,} learners, {self.attempts:,} attempts"


def fingerprint(size: Size) -> str:
    """Return a key that changes when the models, the generator, the content or size do."""
    digest = hashlib.sha256(repr(size).encode())
    files = sorted(
        [*ROOT.glob("learn/models/*.py"), ROOT / "learn/services/demo.py",
         *ROOT.glob("courses/**/*"), *ROOT.glob("quizzes/**/*")]
    )  # fmt: skip
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def learn_env(url: str, secret_key: str) -> dict[str, str]:
    """Return the environment the ``learn`` command and server get for ``url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARN_")}
    env.update(
        DATABASE_URL=url,
        LEARN_SECRET_KEY=secret_key,
        LEARN_ADMIN_EMAIL=ADMIN_EMAIL,
        LEARN_ADMIN_PASSWORD=ADMIN_PASSWORD,
        # As `make run` does for plain http on 127.0.0.1.
        LEARN_SESSION_COOKIE_SECURE="false",
        LEARN_REMEMBER_COOKIE_SECURE="false",
        LEARN_LOG_LEVEL="WARNING",
    )
    return env


def _learn(argv: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        out.write(f"$ learn {' '.join(argv)}\n")
        out.flush()
        done = subprocess.run(
            [str(VENV_BIN / "learn"), *argv], env=env, cwd=ROOT, stdout=out, stderr=out
        )
    if done.returncode != 0:
        raise SystemExit(f"`learn {' '.join(argv)}` failed; see {log}")


def build(url: str, size: Size, secret_key: str, log: Path, say=print) -> float:
    """Create the tables, import the course, make the admin and run demo-data; return seconds."""
    started = time.perf_counter()
    env = learn_env(url, secret_key)
    # The tables come from the models, as in the test suite: migrations may lag the models
    # while several people work on them, and the benchmark measures the code, not them.
    code = (
        "from learn import create_app\nfrom learn.extensions import db\n"
        "app = create_app()\nwith app.app_context():\n    db.create_all()\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)
    _learn(["content", "import"], env, log)
    _learn(["ensure-admin"], env, log)
    say(f"    learn demo-data {' '.join(size.args())}")
    _learn(["demo-data", *size.args()], env, log)
    analyse = (
        "from sqlalchemy import create_engine, text\n"
        f"e = create_engine({url!r})\nwith e.begin() as c:\n    c.execute(text('ANALYZE'))\n"
    )
    subprocess.run([sys.executable, "-c", analyse], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started


def sqlite_set(cache: Path, size: Size, secret_key: str, log: Path, say=print) -> Path:
    """Return the cached SQLite file for ``size``, building it if needed."""
    path = cache / f"sqlite-{size.learners}-{fingerprint(size)}.db"
    if path.exists():
        say(f"    reusing {path.name}")
        return path
    partial = path.with_suffix(".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    seconds = build(f"sqlite:///{partial}", size, secret_key, log, say)
    partial.rename(path)
    say(f"    built {path.name} in {seconds:.0f} s")
    return path


def sqlite_copy(source: Path, target: Path) -> Path:
    """Copy a SQLite data set for one run."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def postgres_set(pg, size: Size, secret_key: str, log: Path, say=print) -> str:
    """Return the name of the cached PostgreSQL database for ``size``, building it if needed."""
    name = f"set_{size.learners}_{fingerprint(size)}"
    if pg.exists(name):
        say(f"    reusing database {name}")
        return name
    partial = name + "_partial"
    pg.drop(partial)
    pg.psql(f'CREATE DATABASE "{partial}"')
    seconds = build(pg.url(partial), size, secret_key, log, say)
    pg.psql(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    say(f"    built {name} in {seconds:.0f} s")
    return name
