"""Typed models; importing this package registers every table."""

from learn.models.api import ApiToken
from learn.models.audit import AuditEvent
from learn.models.certificate import Certificate
from learn.models.content import (
    Course,
    CourseVersion,
    Module,
    ModuleVersion,
    QuizVersion,
    VersionState,
)
from learn.models.learning import (
    Assignment,
    AttemptAnswer,
    Enrolment,
    ModuleProgress,
    QuizAttempt,
    QuizTally,
    TrackCompletion,
)
from learn.models.media import ContentPackage, ModuleImage
from learn.models.user import (
    AgeBand,
    Department,
    Gender,
    Organisation,
    PasswordReset,
    PeopleImport,
    Person,
    Role,
    SessionUser,
    User,
)

__all__ = [
    "ApiToken",
    "Assignment",
    "AttemptAnswer",
    "Certificate",
    "ContentPackage",
    "Course",
    "CourseVersion",
    "Enrolment",
    "Module",
    "ModuleImage",
    "ModuleProgress",
    "ModuleVersion",
    "QuizAttempt",
    "QuizTally",
    "QuizVersion",
    "TrackCompletion",
    "VersionState",
    "AgeBand",
    "AuditEvent",
    "Department",
    "Gender",
    "Organisation",
    "PasswordReset",
    "PeopleImport",
    "Person",
    "Role",
    "SessionUser",
    "User",
]
