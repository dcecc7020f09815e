"""Learners who go through a whole track over HTTP, as a browser would, for the soak test.

Each journey signs in with a password (``POST /login``, scrypt and all), chooses a track,
and for every module opens it, presses "I have read this", starts the quiz and answers every
question (branching scenarios step by step) with the form the page shows, reading each
feedback page and the summary. The walker knows the right answers from the quiz in the
database, as a diligent learner would; the pages never send them.
"""

from __future__ import annotations

import html
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar

from .fixtures import _best_path, _form

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_QUESTION = re.compile(r'<input type="hidden" name="question" value="([^"]+)"')
_OPTION = re.compile(r'name="option" value="([^"]+)"')
_CHOICE = re.compile(r'name="choice" value="([^"]+)"')
_POSITION = re.compile(r'name="position_([^"]+)"')
_ATTEMPT = re.compile(r"/attempts/(\d+)")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class WalkerStats:
    """What the walkers did."""

    journeys: int = 0
    requests: int = 0
    errors: list = field(default_factory=list)
    #: (attempt id, question id, step) of every answer the server acknowledged.
    answers: list = field(default_factory=list)
    tracks_completed: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Walker(threading.Thread):
    """Go through tracks, one learner after another, until told to stop."""

    def __init__(self, base: str, accounts, course: str, quizzes, stats, stop) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.accounts = accounts  # [(email, password, track dict)]
        self.course = course
        self.quizzes = quizzes  # callable: attempt id -> core quiz
        self.stats = stats
        self.stop = stop

    def run(self) -> None:
        for email, password, track in self.accounts:
            if self.stop.is_set():
                return
            try:
                self._journey(email, password, track)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, none hidden
                with self.stats.lock:
                    self.stats.errors.append(f"{email}: {exc!r}")

    # --- HTTP --------------------------------------------------------------------------

    def _open(self, opener, method: str, path: str, form=None) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("User-Agent", "learn-bench-walker")
        try:
            with opener.open(request, timeout=60) as response:
                status, body = response.status, response.read().decode()
                location = response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read().decode(errors="replace")
            location = exc.headers.get("Location", "")
        with self.stats.lock:
            self.stats.requests += 1
            if status >= 400:
                self.stats.errors.append(f"{method} {path}: {status}")
        if status >= 400:
            raise RuntimeError(f"{method} {path} answered {status}")
        return status, body, location

    def _get(self, opener, path):
        return self._open(opener, "GET", path)

    def _post(self, opener, path, form):
        return self._open(opener, "POST", path, form)

    # --- a journey ---------------------------------------------------------------------

    def _journey(self, email: str, password: str, track: dict) -> None:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect
        )
        _, page, _ = self._get(opener, "/login")
        token = _token(page)
        status, _, _ = self._post(
            opener, "/login", [("email", email), ("password", password), ("csrf_token", token)]
        )
        if status != 302:
            raise RuntimeError(f"sign-in answered {status}")
        _, page, _ = self._get(opener, "/courses")
        self._post(
            opener,
            "/learning/track",
            [("track", f"{self.course}/{track['slug']}"), ("csrf_token", _token(page))],
        )
        for slug in track["modules"]:
            base = f"/courses/{self.course}/modules/{slug}"
            _, page, _ = self._get(opener, base)
            self._post(opener, base + "/read", [("csrf_token", _token(page))])
            _, page, _ = self._get(opener, base + "/quiz")
            _, _, location = self._post(
                opener, base + "/quiz/start", [("csrf_token", _token(page))]
            )
            attempt_id = int(_ATTEMPT.search(location).group(1))
            self._answer_all(opener, attempt_id)
        self._get(opener, "/learning")
        with self.stats.lock:
            self.stats.journeys += 1
            self.stats.tracks_completed.append((email, track["slug"]))

    def _answer_all(self, opener, attempt_id: int) -> None:
        quiz = self.quizzes(attempt_id)
        steps: dict[str, int] = {}
        for _ in range(200):
            status, page, location = self._get(opener, f"/attempts/{attempt_id}")
            if status == 302:  # finished: the summary
                self._get(opener, location.replace(self.base, ""))
                return
            question_id = html.unescape(_QUESTION.search(page).group(1))
            question = quiz.question(question_id)
            form = [("csrf_token", _token(page)), ("question", question_id)]
            if question.type == "branching":
                step = steps.get(question_id, 0)
                form.append(("choice", _best_path(question)[step]))
                steps[question_id] = step + 1
            else:
                shown = _POSITION.findall(page) if question.type == "ordering" else None
                shown = shown or _OPTION.findall(page)
                form += _form(question, [html.unescape(o) for o in shown], True, None)
            status, _, location = self._post(opener, f"/attempts/{attempt_id}/answer", form)
            if status != 302 or "/feedback/" not in location:
                raise RuntimeError(f"answer to {question_id} answered {status} {location}")
            with self.stats.lock:
                self.stats.answers.append((attempt_id, question_id, steps.get(question_id, 1) - 1))
            self._get(opener, location.replace(self.base, ""))
        raise RuntimeError(f"attempt {attempt_id} never finished")


def _token(page: str) -> str:
    found = _CSRF.search(page)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return html.unescape(found.group(1))


def wait(threads: list[Walker], seconds: float) -> None:
    """Join the walkers for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
