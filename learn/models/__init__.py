"""Typed models; importing this package registers every table."""

from learn.models.audit import AuditEvent
from learn.models.certificate import Certificate
from learn.models.content import Course, CourseVersion, Module, ModuleVersion, QuizVersion, VersionState
from learn.models.learning import (
    Assignment,
    AttemptAnswer,
    Enrolment,
    ModuleProgress,
    QuizAttempt,
    TrackCompletion,
)
from learn.models.user import AgeBand, Department, Gender, Organisation, PasswordReset, Role, User

__all__ = [
    "Assignment",
    "AttemptAnswer",
    "Certificate",
    "Course",
    "CourseVersion",
    "Enrolment",
    "Module",
    "ModuleProgress",
    "ModuleVersion",
    "QuizAttempt",
    "QuizVersion",
    "TrackCompletion",
    "VersionState",
    "AgeBand",
    "AuditEvent",
    "Department",
    "Gender",
    "Organisation",
    "PasswordReset",
    "Role",
    "User",
]
