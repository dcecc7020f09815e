"""Start gunicorn servers and read their processes' CPU time and memory from ``/proc``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name is in parentheses and may hold spaces: split after it.
    return text[text.rindex(")") + 2 :].split()


def cpu_ticks(pid: int, *, with_children: bool = False) -> int:
    """Return utime+stime of ``pid`` (plus its reaped children's when asked), in clock ticks."""
    fields = _stat_fields(pid)
    # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def children(pid: int) -> list[int]:
    """Return the live child processes of ``pid``."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return found


def memory_kb(pid: int) -> tuple[int, int]:
    """Return (VmRSS, VmHWM) of ``pid`` in kB: resident now and its peak."""
    rss = hwm = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return rss, hwm


@dataclass
class Server:
    """A gunicorn server: its master process, port and log."""

    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    log: Path
    cwd: Path = ROOT
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, probe: str = "/", timeout: float = 60.0) -> None:
        """Start the server and wait until ``probe`` answers."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("ab")
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=subprocess.DEVNULL,  # the access log: formatted and written, then dropped
            stderr=out,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.url + probe, timeout=5) as response:
                    response.read()
                if len(self.workers()) >= 1:
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{self.name} did not answer on {self.url}; see {self.log}")
        # Let every worker finish importing before anything is measured.
        time.sleep(1.0)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list[int]:
        """Return the worker pids."""
        return children(self.pid)

    def cpu_seconds(self) -> float:
        """Return the CPU seconds used so far by the master and every worker, dead or alive."""
        ticks = cpu_ticks(self.pid, with_children=True)
        for worker in self.workers():
            try:
                ticks += cpu_ticks(worker)
            except FileNotFoundError:
                continue  # exited between listing and reading: counted in cutime once reaped
        return ticks / TICKS

    def worker_memory(self) -> list[tuple[int, int, int]]:
        """Return (pid, VmRSS kB, VmHWM kB) for each worker."""
        rows = []
        for worker in self.workers():
            try:
                rows.append((worker, *memory_kb(worker)))
            except FileNotFoundError:
                continue
        return rows

    def stop(self) -> None:
        """Stop gunicorn gracefully (SIGTERM to the master), then wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def platform_server(env: dict[str, str], port: int, log: Path, workers: int | None) -> Server:
    """Return the platform as ``make run`` serves it: ``learn serve`` (gunicorn)."""
    argv = [str(VENV_BIN / "learn"), "serve", "--port", str(port)]
    if workers:
        argv += ["--workers", str(workers)]
    return Server("platform", argv, env, port, log)


def bare_server(port: int, log: Path, workers: int) -> Server:
    """Return the bare Flask page under the same gunicorn, worker count and flags."""
    argv = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--access-logfile", "-",
        "--forwarded-allow-ips", "127.0.0.1",
        "app:create_app()",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEARN_")}
    return Server("bare", argv, env, port, log, cwd=ROOT / "bench" / "bare")


def default_workers() -> int:
    """Return the worker count ``learn serve`` picks by default (2 per core)."""
    return max(2, 2 * (os.cpu_count() or 1))
