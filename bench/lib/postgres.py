"""A PostgreSQL 15 server (Debian's) for the benchmark, kept between runs in a cache folder.

Unlike the test suite's throwaway server (``scripts/test-postgres.sh``, fsync off), this one
keeps PostgreSQL's durable defaults (fsync, synchronous_commit, full_page_writes on), so the
write figures are what a production server would give on this disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from .servers import TICKS, children, cpu_ticks


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL is not installed: apt-get install -y postgresql")
    return found[-1].parent


def _as_pg(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


class Postgres:
    """A cluster in ``folder``/data listening on 127.0.0.1:``port``."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.bindir = _bindir()

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Create the cluster if needed and start it."""
        data = self.folder / "data"
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        if not (data / "PG_VERSION").exists():
            subprocess.run(
                _as_pg([str(self.bindir / "initdb"), "-D", str(data), "-A", "trust",
                        "-U", "postgres"]),
                check=True, capture_output=True,
            )  # fmt: skip
        if self.is_running():
            self.stop()  # left running by an interrupted run
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c shared_buffers=256MB"
        )
        subprocess.run(
            _as_pg([str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"),
                    "-w", "-o", options, "start"]),
            check=True, capture_output=True,
        )  # fmt: skip

    def is_running(self) -> bool:
        """Return whether the cluster has a live postmaster (perhaps another run's)."""
        pid_file = self.folder / "data" / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
        except (ProcessLookupError, ValueError):
            return False
        return True

    def stop(self) -> None:
        """Stop the server (the data stays for the next run)."""
        subprocess.run(
            _as_pg([str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast",
                    "-w", "stop"]),
            check=False, capture_output=True,
        )  # fmt: skip

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run one statement; return its output (unaligned, tuples only)."""
        done = subprocess.run(
            [str(self.bindir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-Atc", sql],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        return done.stdout.strip()

    def exists(self, database: str) -> bool:
        return self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") == "1"

    def drop(self, database: str) -> None:
        self.psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    def copy(self, template: str, database: str) -> None:
        """Make ``database`` a fresh copy of ``template`` (a file-level copy: seconds)."""
        self.drop(database)
        for _ in range(20):
            try:
                self.psql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
                return
            except subprocess.CalledProcessError:
                time.sleep(0.5)  # the template's last connection is still closing
        self.psql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')

    def pid(self) -> int:
        return int((self.folder / "data" / "postmaster.pid").read_text().split()[0])

    def cpu_seconds(self) -> float:
        """Return CPU seconds of the postmaster and every backend, live or ended."""
        pid = self.pid()
        ticks = cpu_ticks(pid, with_children=True)
        for child in children(pid):
            try:
                ticks += cpu_ticks(child)
            except FileNotFoundError:
                continue
        return ticks / TICKS

    def version(self) -> str:
        return self.psql("SHOW server_version").split()[0]
