"""Drive a server with wrk (Debian's package) from a second process, on 127.0.0.1 only."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

LUA = Path(__file__).resolve().parents[1] / "lua"


@dataclass(frozen=True)
class Request:
    """One request a wrk script sends."""

    method: str
    path: str
    cookie: str = ""
    form: tuple[tuple[str, str], ...] = ()

    def line(self) -> str:
        body = urlencode(self.form) if self.form else ""
        return f"{self.method}\t{self.path}\t{self.cookie}\t{body}"


def write_list(path: Path, requests: list[Request]) -> Path:
    """Write a request list for the Lua scripts."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(r.line() + "\n" for r in requests))
    return path


@dataclass
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    error_detail: dict
    sent: int | None = None
    exhausted: int = 0
    raw: dict | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_path() -> str:
    """Return the wrk binary, or fail with how to get it."""
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    return found


def run_wrk(
    url: str,
    script: str,
    args: list[str],
    *,
    connections: int,
    threads: int,
    seconds: float,
    timeout: float = 30.0,
) -> WrkResult:
    """Run wrk against ``url`` (127.0.0.1 only) and return its figures."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the benchmark loads 127.0.0.1 only")
    argv = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={int(timeout)}s",
        "-s", str(LUA / script),
        url, "--", *args,
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    data = json.loads(line[len("BENCH ") :])
    detail = {k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]}
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=sum(detail.values()),
        error_detail=detail,
        sent=data.get("sent"),
        exhausted=data.get("exhausted", 0),
        raw=data,
    )
