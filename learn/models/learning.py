"""What learners do: enrolments, reading, quiz attempts and answers, completions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learn.extensions import db
from learn.models.base import UTCDateTime, utcnow


class Enrolment(db.Model):
    """A person on a track, chosen by them or assigned by an admin (with a due date)."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id", "track_slug"),
        Index("ix_enrolments_course_track", "course_id", "track_slug"),
        #: "Overdue" and "completed" filters look up each person's enrolments by state.
        Index("ix_enrolments_user_state", "user_id", "completed_at", "due_on"),
        #: The dashboard's GROUP BY reads only this index (a covering index).
        Index(
            "ix_enrolments_report",
            "organisation_id",
            "department_id",
            "course_id",
            "track_slug",
            "completed_at",
            "due_on",
            "started_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The person's organisation and department, copied here so reports group enrolments
    #: without joining people (kept in step when a person moves department).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    track_slug: Mapped[str] = mapped_column(String(80))
    #: "self" when the learner chose it; "admin" when assigned.
    origin: Mapped[str] = mapped_column(String(20), default="self")
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: The learner's current track is their latest-chosen active enrolment.
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the learner first opened a module of this track (set by learn.services.tracks).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()  # noqa: F821
    course: Mapped[Course] = relationship()  # noqa: F821

    def __repr__(self) -> str:
        return f"<Enrolment user={self.user_id} {self.track_slug}>"


class Assignment(db.Model):
    """A track assigned with a due date to a person, a department or an organisation.

    People who join a department or organisation later get its assignments.
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    track_slug: Mapped[str] = mapped_column(String(80))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Assignment {self.id} {self.track_slug}>"


class ModuleProgress(db.Model):
    """A learner's progress in one module, pinned to the versions they started on."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    quiz_version_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_versions.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Where the learner was, as a heading id, so coming back resumes there.
    last_section: Mapped[str | None] = mapped_column(String(120))
    best_score: Mapped[float | None] = mapped_column(Float)
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Read and quiz passed. Never undone by a later version of the module.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<ModuleProgress user={self.user_id} module={self.module_id}>"


class QuizAttempt(db.Model):
    """One attempt at a quiz, kept whole: version, questions drawn, answers, score, time."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "number"),
        Index("ix_quiz_attempts_quiz_version_submitted", "quiz_version_id", "submitted_at"),
        #: The quiz report's GROUP BY reads only this index (a covering index).
        Index(
            "ix_quiz_attempts_report",
            "module_id",
            "submitted_at",
            "score",
            "passed",
            "number",
            "user_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    quiz_version_id: Mapped[int] = mapped_column(ForeignKey("quiz_versions.id"))
    #: 1 for the learner's first attempt at this module's quiz, 2 for the next...
    number: Mapped[int] = mapped_column(Integer)
    track_slug: Mapped[str | None] = mapped_column(String(80))
    #: The question ids drawn for this attempt, in the order shown.
    question_ids: Mapped[list] = mapped_column(JSON)
    #: {question_id: [option ids in the order shown]}
    option_orders: Mapped[dict] = mapped_column(JSON)
    lenses: Mapped[list] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None]

    answers: Mapped[list[AttemptAnswer]] = relationship(
        back_populates="attempt", order_by="AttemptAnswer.id"
    )

    def __repr__(self) -> str:
        return f"<QuizAttempt {self.id} user={self.user_id} #{self.number}>"


class AttemptAnswer(db.Model):
    """A learner's answer to one question (or one step of a branching scenario)."""

    __tablename__ = "attempt_answers"
    #: The unique constraint is what makes a double submission count once.
    __table_args__ = (UniqueConstraint("attempt_id", "question_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(80))
    #: 0 for ordinary questions; 0, 1, 2... for the steps of a branching scenario.
    step: Mapped[int] = mapped_column(Integer, default=0)
    #: The ids chosen (options, order, or the single choice at this step).
    answer: Mapped[list] = mapped_column(JSON)
    #: Set when the question is finished (the last step for a branching scenario).
    points: Mapped[float | None] = mapped_column(Float)
    max_points: Mapped[float | None] = mapped_column(Float)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<AttemptAnswer {self.attempt_id} {self.question_id}/{self.step}>"


class TrackCompletion(db.Model):
    """A completed track, recorded once with the versions it was earned on."""

    __tablename__ = "track_completions"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "track_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    track_slug: Mapped[str] = mapped_column(String(80))
    course_version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))
    #: {module_slug: {"module": version number, "quiz": version number}}
    versions: Mapped[dict] = mapped_column(JSON)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<TrackCompletion user={self.user_id} {self.track_slug}>"


class QuizTally(db.Model):
    """Running totals of finished quiz attempts, per module and organisation, up to a moment.

    The quiz report adds the attempts finished since ``up_to`` to these totals, so it never
    reads a million attempts per request; the totals move forward as the report is used
    (see :func:`learn.services.reports.quiz_report`). Finished attempts never change, so
    totals once counted stay right.
    """

    __tablename__ = "quiz_tallies"
    __table_args__ = (UniqueConstraint("module_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    #: Finished attempts counted: those submitted before this moment.
    up_to: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: First attempts (number 1) finished: the people who have taken the quiz.
    people: Mapped[int] = mapped_column(Integer, default=0)
    score_sum: Mapped[float] = mapped_column(Float, default=0.0)
    passed: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<QuizTally module={self.module_id} org={self.organisation_id}>"
