"""What the load needs from a database: signed-in learners, codes, and open quiz attempts.

Sessions are minted with the app's own session interface and Flask-Login, exactly what
``POST /login`` would put in the cookie (``_user_id`` = ``id:session_token``), with a CSRF
token made by Flask-WTF for that session. Demo learners have no password, and scrypt at
sign-in would otherwise dominate the set-up time.

Open attempts for the write benchmark are made with the same core rules the service uses
(``draw_questions``, ``shuffled_options``, ``grade``), written with bulk INSERTs so tens of
thousands take seconds: each learner gets a track, every module of it read, and one open
attempt per module whose branching scenario is already walked to its best outcome. The
load then answers every other question, one (attempt, question) pair per request, so the
last answer of an attempt finishes it, completes the module and, with the last module of
the track, issues the certificate, as in real use.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from flask import Flask, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, insert, select

from learn.core import quiz as quiz_rules
from learn.core.quiz import Outcome, Question
from learn.extensions import db
from learn.models import (
    AttemptAnswer,
    Certificate,
    Course,
    Enrolment,
    ModuleProgress,
    QuizAttempt,
    Role,
    User,
)
from learn.models.base import utcnow
from learn.services import accounts, catalogue

from .load import Request

USER_AGENT = "learn-bench"
BENCH_ORG = "Benchmark learners"


def bench_app(url: str, secret_key: str) -> Flask:
    """Return an app on ``url`` configured like the benchmark server (for minting and checks)."""
    from learn import create_app

    return create_app(
        {
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": url,
            "SESSION_COOKIE_SECURE": False,
            "REMEMBER_COOKIE_SECURE": False,
        }
    )


class Minter:
    """Make session cookies (and the CSRF token that goes with each) for users."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.serializer = app.session_interface.get_signing_serializer(app)
        self.name = app.config["SESSION_COOKIE_NAME"]

    def __call__(self, user: User) -> tuple[str, str]:
        """Return (Cookie header value, CSRF form token) for ``user``."""
        # A fresh app context each time: Flask-WTF and Flask-Login cache the token and the
        # user in ``g``, which a request context would otherwise share with its caller's.
        with (
            self.app.app_context(),
            self.app.test_request_context(
                "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
            ),
        ):
            login_user(user)
            token = generate_csrf()
            value = self.serializer.dumps(dict(session))
        return f"{self.name}={value}", token


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """A demo learner with progress: their cookie and a module they have opened."""

    cookie: str
    module_path: str


def readers(app: Flask, count: int, seed: int = 7) -> list[Reader]:
    """Return up to ``count`` demo learners who are on a track and have opened modules."""
    mint = Minter(app)
    rng = random.Random(seed)
    with app.app_context():
        candidates = db.session.execute(
            select(ModuleProgress.user_id, func.min(ModuleProgress.module_id))
            .join(User, User.id == ModuleProgress.user_id)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(User.active.is_(True), User.role == Role.LEARNER)
            .group_by(ModuleProgress.user_id)
            .order_by(ModuleProgress.user_id)
        ).all()
        picked = rng.sample(candidates, min(count, len(candidates)))
        course = catalogue.live_courses()[0]
        slugs = {m.id: m.slug for m in catalogue.course_modules(course).values()}
        found = []
        for user_id, module_id in picked:
            user = db.session.get(User, user_id)
            cookie, _ = mint(user)
            found.append(Reader(cookie, f"/courses/{course.slug}/modules/{slugs[module_id]}"))
    return found


def certificate_codes(app: Flask, count: int, seed: int = 11) -> list[str]:
    """Return up to ``count`` certificate codes (valid, expired or revoked: all answer 200)."""
    with app.app_context():
        codes = db.session.scalars(select(Certificate.code).order_by(Certificate.id)).all()
    return random.Random(seed).sample(list(codes), min(count, len(codes)))


def admin_cookie(app: Flask, email: str) -> str:
    """Return a session cookie for the admin ``email``."""
    with app.app_context():
        user = accounts.find_user(email)
        assert user is not None, f"no admin {email}"
        return Minter(app)(user)[0]


# --- writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One (attempt, question) answer to send once."""

    attempt_id: int
    question_id: str
    request: Request


def _best_path(question: Question) -> tuple[str, ...]:
    def paths(prefix: tuple[str, ...]):
        node = quiz_rules.next_step(question, prefix)
        if isinstance(node, Outcome):
            yield prefix, node.score
            return
        for choice in node.choices:
            yield from paths((*prefix, choice.id))

    return max(paths(()), key=lambda p: p[1])[0]


def _form(question: Question, shown: list[str], right: bool, rng: random.Random) -> list:
    """Return the form fields a learner's browser would post for this question."""
    if question.type == "ordering":
        order = list(question.correct_order) if right else list(reversed(question.correct_order))
        return [(f"position_{o}", str(order.index(o) + 1)) for o in shown]
    if question.type == "multiple":
        chosen = [o for o in shown if question.option(o).correct] if right else shown[:1]
        return [("option", o) for o in chosen]
    correct = [o for o in shown if question.option(o).correct]
    wrong = [o for o in shown if not question.option(o).correct]
    return [("option", correct[0] if right or not wrong else rng.choice(wrong))]


def answer_pairs(
    app: Flask, learners: int, tag: str, *, seed: int = 3, right: float = 0.9
) -> list[list[Pair]]:
    """Make ``learners`` new learners with open attempts; return each attempt's pairs."""
    rng = random.Random(f"{seed}-{tag}")
    mint = Minter(app)
    with app.app_context():
        org = accounts.ensure_organisation(BENCH_ORG)
        db.session.commit()
        course: Course = catalogue.live_courses()[0]
        version = course.live_version
        modules = catalogue.course_modules(course)
        quizzes = {
            slug: catalogue.core_quiz(m.live_quiz_version)
            for slug, m in modules.items()
            if m.live_quiz_version_id
        }
        users = [
            {
                "email": f"answer-{tag}-{n}@bench.example.gov",
                "name": f"Bench learner {tag}-{n}",
                "role": Role.LEARNER,
                "organisation_id": org.id,
                "session_token": secrets.token_hex(16),
                "active": True,
            }
            for n in range(learners)
        ]
        user_ids = db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True), users
        ).all()
        now = utcnow()
        enrolments, progress, attempts, plans = [], [], [], []
        for user_id in user_ids:
            track = rng.choice(version.tracks)
            enrolments.append(
                {"user_id": user_id, "course_id": course.id, "track_slug": track["slug"],
                 "origin": "self", "chosen_at": now}
            )  # fmt: skip
            lenses = frozenset(track["lenses"])
            for slug in track["modules"]:
                module = modules[slug]
                quiz = quizzes.get(slug)
                if quiz is None:
                    continue
                progress.append(
                    {"user_id": user_id, "module_id": module.id,
                     "module_version_id": module.live_version_id,
                     "quiz_version_id": module.live_quiz_version_id,
                     "started_at": now, "read_at": now}
                )  # fmt: skip
                drawn = quiz_rules.draw_questions(quiz, lenses, track["slug"], rng)
                orders = {q.id: [o.id for o in quiz_rules.shuffled_options(q, rng)] for q in drawn}
                attempts.append(
                    {"user_id": user_id, "module_id": module.id,
                     "quiz_version_id": module.live_quiz_version_id, "number": 1,
                     "track_slug": track["slug"], "question_ids": [q.id for q in drawn],
                     "option_orders": orders, "lenses": sorted(lenses), "started_at": now}
                )  # fmt: skip
                plans.append((user_id, drawn, orders))
        db.session.execute(insert(Enrolment), enrolments)
        db.session.execute(insert(ModuleProgress), progress)
        attempt_ids = db.session.scalars(
            insert(QuizAttempt).returning(QuizAttempt.id, sort_by_parameter_order=True), attempts
        ).all()
        steps = []
        for attempt_id, (_, drawn, _) in zip(attempt_ids, plans, strict=True):
            for question in drawn:
                if question.type != "branching":
                    continue
                path = _best_path(question)
                score = quiz_rules.grade(question, path)
                for i, choice in enumerate(path):
                    last = i == len(path) - 1
                    steps.append(
                        {"attempt_id": attempt_id, "question_id": question.id, "step": i,
                         "answer": [choice], "points": score.points if last else None,
                         "max_points": score.max_points if last else None, "answered_at": now}
                    )  # fmt: skip
        if steps:
            db.session.execute(insert(AttemptAnswer), steps)
        db.session.commit()
        cookies = {
            u.id: mint(u) for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))
        }
    result = []
    for attempt_id, (user_id, drawn, orders) in zip(attempt_ids, plans, strict=True):
        cookie, token = cookies[user_id]
        pairs = []
        for question in drawn:
            if question.type == "branching":
                continue
            form = [("csrf_token", token), ("question", question.id)]
            form += _form(question, orders[question.id], rng.random() < right, rng)
            pairs.append(
                Pair(attempt_id, question.id,
                     Request("POST", f"/attempts/{attempt_id}/answer", cookie, tuple(form)))
            )  # fmt: skip
        result.append(pairs)
    return result


def interleave(attempts: list[list[Pair]], threads: int, width: int) -> list[list[Pair]]:
    """Split attempts over ``threads`` lists; within one, ``width`` learners take turns.

    A learner answers one question after another, so one attempt's pairs stay in order in
    one list, and ``width`` (connections per thread) learners are answering at a time.
    """
    lists: list[list[Pair]] = [[] for _ in range(threads)]
    for t in range(threads):
        mine = attempts[t::threads]
        for g in range(0, len(mine), width):
            group = mine[g : g + width]
            for k in range(max(len(a) for a in group)):
                lists[t] += [a[k] for a in group if k < len(a)]
    return lists
