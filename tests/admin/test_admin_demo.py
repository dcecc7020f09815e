"""Synthetic data: a realistic spread, the attempts asked for, the same data for a seed."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import func, select

from learn.extensions import db
from learn.models import (
    Certificate,
    Course,
    Enrolment,
    ModuleProgress,
    QuizAttempt,
    TrackCompletion,
    User,
)
from learn.services import reports
from learn.services.demo import DemoSize, build_demo_data
from learn.services.scope import Scope

TODAY = date(2026, 3, 2)


def fingerprint() -> str:
    """Hash what was written, in a stable order."""
    parts = [
        db.session.execute(select(User.email, User.name, User.gender).order_by(User.email)).all(),
        db.session.execute(
            select(Enrolment.track_slug, Enrolment.due_on, Enrolment.completed_at).order_by(
                Enrolment.id
            )
        ).all(),
        db.session.execute(
            select(QuizAttempt.number, QuizAttempt.score, QuizAttempt.passed).order_by(
                QuizAttempt.id
            )
        ).all(),
        db.session.scalars(select(Certificate.code).order_by(Certificate.id)).all(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_data_has_a_realistic_spread(app, demo_course):
    counts = build_demo_data(DemoSize(3, 120, 1500, seed=7), today=TODAY)
    assert count(User) == 123 == counts.people
    assert count(QuizAttempt) == 1500 == counts.attempts
    assert count(TrackCompletion) == count(Certificate) == counts.completions > 0
    assert count(ModuleProgress) == counts.module_progress
    assert counts.expired_certificates > 0 and counts.overdue > 0
    failed = db.session.scalar(select(func.count()).where(QuizAttempt.passed.is_(False)))
    retried = db.session.scalar(select(func.count()).where(QuizAttempt.number > 1))
    assert failed > 0 and retried > 0
    started = db.session.scalar(
        select(func.count()).where(
            Enrolment.started_at.is_not(None), Enrolment.completed_at.is_(None)
        )
    )
    assert started > 0  # people part-way through
    assert db.session.scalar(select(func.count()).where(Enrolment.organisation_id.is_(None))) == 0
    report = reports.completion_report(Scope(None), reports.ReportFilter(), today=TODAY)
    assert report.total.assigned == count(Enrolment)
    assert report.total.completed == count(TrackCompletion)


def test_same_seed_same_data(make_app):
    made = []
    for _ in range(2):
        make_app()
        from learn.services.catalogue import import_path
        from tests.conftest import DATA

        import_path(DATA / "content")
        build_demo_data(DemoSize(2, 40, 400, seed=3), today=TODAY)
        made.append(fingerprint())
    assert made[0] == made[1]


def test_another_seed_gives_other_data(app, demo_course):
    build_demo_data(DemoSize(2, 40, 400, seed=3), today=TODAY)
    first = fingerprint()
    build_demo_data(DemoSize(2, 40, 400, seed=4), today=TODAY)
    assert fingerprint() != first


def test_demo_data_command_imports_the_shipped_course_when_none(runner):
    result = runner.invoke(
        args=[
            "demo-data",
            "--organisations",
            "2",
            "--learners",
            "30",
            "--attempts",
            "300",
            "--seed",
            "5",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Demo data in" in result.output and "attempts 300" in result.output
    assert db.session.scalar(select(Course.slug)) == "preventing-trafficking"
    again = runner.invoke(args=["demo-data", "--learners", "30", "--seed", "5"])
    assert again.exit_code == 1 and "already in this database" in again.output
