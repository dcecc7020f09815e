"""People, their organisations and departments, and password-reset tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learn.extensions import db
from learn.models.base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a person may do on the platform."""

    LEARNER = "learner"
    TRAINER = "trainer"
    ORG_ADMIN = "org_admin"
    PLATFORM_ADMIN = "platform_admin"


class Gender(enum.StrEnum):
    """Optional, self-stated; used only in suppressed aggregate reports."""

    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"
    UNSTATED = "unstated"


class AgeBand(enum.StrEnum):
    """Optional, self-stated age band; used only in suppressed aggregate reports."""

    UNDER_25 = "under-25"
    FROM_25_TO_34 = "25-34"
    FROM_35_TO_44 = "35-44"
    FROM_45_TO_54 = "45-54"
    FROM_55 = "55-plus"
    UNSTATED = "unstated"


class Organisation(db.Model):
    """A public body whose staff use the platform."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    departments: Mapped[list[Department]] = relationship(
        back_populates="organisation", order_by="Department.name"
    )
    users: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Department(db.Model):
    """A unit within an organisation."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(back_populates="departments")
    users: Mapped[list[User]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.id} {self.name!r}>"


class PersonMixin(UserMixin):
    """What Flask-Login and the views ask of a person, for a :class:`User` and a
    :class:`SessionUser` alike (each has ``id``, ``active``, ``role``, ``session_token``)."""

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """Return the session identity: id plus token, so a password change signs out others."""
        return f"{self.id}:{self.session_token}"

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.ORG_ADMIN, Role.PLATFORM_ADMIN)

    @property
    def is_trainer(self) -> bool:
        return self.role in (Role.TRAINER, Role.PLATFORM_ADMIN)


class User(PersonMixin, db.Model):
    """A person with an account."""

    __tablename__ = "users"
    #: Reports filter and group people by organisation and department, and list them by name.
    __table_args__ = (
        Index("ix_users_org_dept", "organisation_id", "department_id"),
        Index("ix_users_org_name", "organisation_id", "name"),
        Index("ix_users_name", "name"),
        #: The reach report counts people by gender and age band.
        Index("ix_users_gender_age", "gender", "age_band"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; unique across the platform.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=Role.LEARNER,
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    job_role: Mapped[str | None] = mapped_column(String(200))
    #: Interface language chosen by the person; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(10))
    #: Deactivated people keep their records but cannot sign in.
    active: Mapped[bool] = mapped_column(default=True)
    gender: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(20))
    #: Lens choices; None means "as my track sets it".
    lens_gender: Mapped[bool | None]
    lens_age: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Changes on password change, so other sessions and remember-me cookies stop working.
    session_token: Mapped[str] = mapped_column(String(64))

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    department: Mapped[Department | None] = relationship(back_populates="users")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"

    def record(self) -> User:
        """Return this ORM object (as :meth:`SessionUser.record` returns one)."""
        return self


class SessionUser(PersonMixin):
    """The signed-in person as a request reads them: their row's columns, read-only.

    Every signed-in request loads its person, and loading one as an ORM object costs about
    twice what reading the row does; most requests only read the person's id, role, lenses
    or language. Code that changes the person or follows a relationship (organisation,
    department) works on :meth:`record`, the ORM object of the same row.
    """

    __slots__ = (
        "id", "email", "name", "role", "organisation_id", "department_id", "job_role",
        "locale", "active", "gender", "age_band", "lens_gender", "lens_age", "created_at",
        "session_token",
    )  # fmt: skip

    email: str
    name: str
    organisation_id: int
    department_id: int | None
    job_role: str | None
    locale: str | None
    gender: str | None
    age_band: str | None
    lens_gender: bool | None
    lens_age: bool | None
    created_at: datetime

    def __init__(self, row) -> None:
        for name in self.__slots__:
            object.__setattr__(self, name, getattr(row, name))

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"SessionUser is read-only: set {name} on its record()")

    def __repr__(self) -> str:
        return f"<SessionUser {self.id} {self.email!r} {self.role}>"

    def record(self) -> User:
        """Return the ORM object of this person (loaded at most once per request)."""
        return db.session.get(User, self.id)


#: Either form of a person, for code that only reads their columns.
Person = User | SessionUser


class PasswordReset(db.Model):
    """A one-time, expiring password-reset link; only a hash of its token is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<PasswordReset {self.id} user={self.user_id}>"


class PeopleImport(db.Model):
    """An uploaded CSV of people, parsed and checked, waiting for the admin to confirm it.

    The parsed rows live here between the preview and the confirmation, so no server
    holds state of its own; a confirmed or abandoned import can be deleted at any time.
    """

    __tablename__ = "people_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: The organisation the uploader administers; None for a platform admin.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    filename: Mapped[str] = mapped_column(String(255))
    #: [{"line": 2, "values": {...}, "errors": ["..."]}] in file order.
    rows: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set when the rows were imported; a confirmed import cannot be confirmed again.
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<PeopleImport {self.id} {self.filename!r}>"
