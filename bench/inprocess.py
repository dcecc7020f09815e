"""CPU per request in process: learner pages beside the bare page, no server, no network.

Each page's WSGI environ goes straight to the app, so what is timed is the app alone (the
figure ``docs/speed.md`` calls "in process"). Pages are timed in interleaved cycles (a
batch of each page in turn, again and again) and the fastest cycle is reported beside the
fifth-fastest and the median: on a shared machine whose speed moves within a minute, the
fastest cycle is the steadiest figure and comparisons between two versions of the code
should run them alternately.

    .venv/bin/python bench/inprocess.py                    # bare, help, module, my
    .venv/bin/python bench/inprocess.py --pages help,my --profile my

Uses the 10,000-learner SQLite set ``make bench`` caches (built if missing, about 6
minutes), on a copy, since opening a module for the first time writes a progress row.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import pstats
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from lib import datasets, fixtures  # noqa: E402
from run import LOAD_SIZE, SECRET_KEY  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

PAGES = ("bare", "help", "module", "my", "catalogue", "login", "verify")


def _environ(path: str, cookie: str = "") -> dict:
    headers = {"User-Agent": fixtures.USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    builder = EnvironBuilder(path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    return builder.get_environ()


def _call(app, environ: dict) -> str:
    status: list[str] = []
    body = app(dict(environ), lambda s, h, e=None: status.append(s))
    for _ in body:
        pass
    if hasattr(body, "close"):
        body.close()
    return status[0]


def _bare_app():
    spec = importlib.util.spec_from_file_location("bare_app", HERE / "bare" / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bare_app"] = module  # Flask finds the app's templates from its module
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.create_app()


def _requests(app, batch: int, count: int) -> dict[str, tuple]:
    readers = fixtures.readers(app, count)
    codes = fixtures.certificate_codes(app, count)
    bare = _bare_app()

    def signed_in(path_of):
        return [
            _environ(path_of(readers[i % count]), readers[i % count].cookie) for i in range(batch)
        ]

    return {
        "bare": (bare, [_environ("/")] * batch),
        "help": (app, signed_in(lambda r: "/help")),
        "module": (app, signed_in(lambda r: r.module_path)),
        "my": (app, signed_in(lambda r: "/learning")),
        "catalogue": (app, signed_in(lambda r: "/courses")),
        "login": (app, [_environ("/login")] * batch),
        "verify": (app, [_environ(f"/verify/{codes[i % count]}") for i in range(batch)]),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="bare,help,module,my")
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--batch", type=int, default=100, help="requests per page per cycle")
    parser.add_argument(
        "--readers", type=int, default=20,
        help="learners the signed-in requests take turns between (the load runs use 500)",
    )  # fmt: skip
    parser.add_argument("--profile", metavar="PAGE", help="then cProfile one more cycle of PAGE")
    parser.add_argument("--cache", default=str(HERE.parent / "instance" / "bench-cache"))
    args = parser.parse_args(argv)
    pages = ["bare", *[p for p in args.pages.split(",") if p and p != "bare"]]
    unknown = set(pages) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))} (known: {', '.join(PAGES)})")

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    source = datasets.sqlite_set(cache, LOAD_SIZE, SECRET_KEY, cache / "build.log")
    with tempfile.TemporaryDirectory() as folder:
        copy = datasets.sqlite_copy(source, Path(folder) / "inprocess.db")
        app = fixtures.bench_app(f"sqlite:///{copy}", SECRET_KEY)
        every = _requests(app, args.batch, args.readers)
        requests = {page: every[page] for page in pages}
        for page, (wsgi, environs) in requests.items():
            for environ in environs:  # warm: first opens, kept fragments, caches
                status = _call(wsgi, environ)
                if not status.startswith("200"):
                    raise SystemExit(f"{page}: {status}")
        times: dict[str, list[float]] = {page: [] for page in pages}
        for _ in range(args.cycles):
            for page, (wsgi, environs) in requests.items():
                started = time.process_time()
                for environ in environs:
                    _call(wsgi, environ)
                times[page].append((time.process_time() - started) / len(environs) * 1000)
        bare = min(times["bare"])
        print(f"{'page':10} {'fastest':>8} {'p20':>8} {'median':>8}  ms of CPU per request")
        for page, values in times.items():
            values.sort()
            fastest, p20, median = values[0], values[len(values) // 5], values[len(values) // 2]
            ratio = "" if page == "bare" else f"  ({fastest / bare:.1f}x the bare page)"
            print(f"{page:10} {fastest:8.3f} {p20:8.3f} {median:8.3f}{ratio}")
        if args.profile:
            wsgi, environs = requests[args.profile]
            profile = cProfile.Profile()
            profile.enable()
            for environ in environs:
                _call(wsgi, environ)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
