"""What ``learn serve`` hands to gunicorn."""

from __future__ import annotations

import gc
import importlib
import os

from learn import wsgi
from learn.cli import serve_command


def test_serve_runs_gunicorn_on_the_served_app(monkeypatch):
    calls = []
    monkeypatch.setattr(os, "execv", lambda path, argv: calls.append(argv))
    serve_command.main(["--workers", "3", "--port", "8123"], standalone_mode=False)
    (argv,) = calls
    assert argv[1:3] == ["-m", "gunicorn"] and "--workers" in argv and "3" in argv
    module_name, _, call = argv[-1].partition(":")
    # gunicorn calls "module:factory()" in each worker: it must name what is there.
    assert call.endswith("()")
    factory = getattr(importlib.import_module(module_name), call.removesuffix("()"))
    assert factory is wsgi.create_served_app


def test_served_app_freezes_what_start_up_made(monkeypatch):
    made = object()
    monkeypatch.setattr(wsgi, "create_app", lambda: made)
    gc.unfreeze()
    try:
        assert wsgi.create_served_app() is made
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
