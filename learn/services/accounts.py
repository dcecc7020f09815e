"""Accounts: registration, sign-in, passwords and reset links."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from learn.extensions import db, plain
from learn.models import (
    AuditEvent,
    Department,
    Organisation,
    PasswordReset,
    Role,
    SessionUser,
    User,
)
from learn.models.base import utcnow

logger = logging.getLogger(__name__)

# A hash to compare against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH: dict[str, str] = {}


class AccountError(Exception):
    """A request about an account that cannot be carried out; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class NewAccount:
    """What a person gives to register or what an admin gives to create them."""

    name: str
    email: str
    password: str | None
    organisation_id: int
    department_id: int | None = None
    job_role: str | None = None
    role: Role = Role.LEARNER


def normalise_email(email: str) -> str:
    """Return the email as stored: trimmed and lower-cased."""
    return email.strip().lower()


def hash_password(password: str) -> str:
    """Hash a password with the configured algorithm (scrypt by default)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user(email: str) -> User | None:
    """Return the user with ``email`` (any case), or None."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(account: NewAccount, *, commit: bool = True) -> User:
    """Create a user; raise ``AccountError('email_taken')`` if the email is in use."""
    email = normalise_email(account.email)
    if find_user(email) is not None:
        raise AccountError("email_taken")
    if db.session.get(Organisation, account.organisation_id) is None:
        raise AccountError("unknown_organisation")
    if account.department_id is not None:
        department = db.session.get(Department, account.department_id)
        if department is None or department.organisation_id != account.organisation_id:
            raise AccountError("department_not_in_organisation")
    user = User(
        email=email,
        name=account.name.strip(),
        password_hash=hash_password(account.password) if account.password else None,
        role=account.role,
        organisation_id=account.organisation_id,
        department_id=account.department_id,
        job_role=(account.job_role or "").strip() or None,
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.flush()
    # People who join an organisation or department get the tracks assigned to it.
    from learn.services.assignments import apply_inherited_assignments

    apply_inherited_assignments(user)
    if commit:
        db.session.commit()
        logger.info("user created id=%s role=%s", user.id, user.role)
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the active user whose email and password match, else None."""
    user = find_user(email)
    if user is None or not user.password_hash:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _DUMMY_HASH:
            _DUMMY_HASH[method] = generate_password_hash("not-a-password", method=method)
        check_password_hash(_DUMMY_HASH[method], password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one; other sessions are signed out."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise AccountError("wrong_password")
    _set_password(user, new)
    db.session.commit()
    logger.info("password changed user=%s", user.id)


def _set_password(user: User, new: str) -> None:
    user.password_hash = hash_password(new)
    user.session_token = secrets.token_hex(16)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_password_reset(user: User, created_by: User | None, *, hours: int | None = None) -> str:
    """Add a one-time reset token for ``user`` without committing; return the token."""
    token = secrets.token_urlsafe(32)
    hours = hours or current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_by_id=created_by.id if created_by else None,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    return token


def issue_password_reset(user: User, created_by: User | None) -> str:
    """Create a one-time reset token for ``user``; return the token (stored only hashed)."""
    token = new_password_reset(user, created_by)
    db.session.add(
        AuditEvent(
            actor_id=created_by.id if created_by else None,
            action="password_reset_issued",
            subject=f"user:{user.id}",
        )
    )
    db.session.commit()
    logger.info("password reset issued user=%s", user.id)
    return token


def find_reset(token: str) -> PasswordReset | None:
    """Return the unused, unexpired reset for ``token``, or None."""
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        return None
    return reset


def reset_password(token: str, new: str) -> User:
    """Set a new password through a reset token; the token is then spent."""
    reset = find_reset(token)
    if reset is None:
        raise AccountError("invalid_token")
    # Spend the token in the same statement that checks it, so two uses cannot both win.
    spent = db.session.execute(
        PasswordReset.__table__.update()
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if spent.rowcount != 1:
        db.session.rollback()
        raise AccountError("invalid_token")
    user = reset.user
    _set_password(user, new)
    db.session.commit()
    logger.info("password reset used user=%s", user.id)
    return user


def ensure_organisation(name: str) -> Organisation:
    """Return the organisation called ``name`` (any case), creating it if needed."""
    org = db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.strip().lower())
    )
    if org is None:
        org = Organisation(name=name.strip())
        db.session.add(org)
        db.session.flush()
    return org


def ensure_department(org: Organisation, name: str) -> Department:
    """Return the department ``name`` of ``org`` (any case), creating it if needed."""
    dept = db.session.scalar(
        select(Department).where(
            Department.organisation_id == org.id,
            func.lower(Department.name) == name.strip().lower(),
        )
    )
    if dept is None:
        dept = Department(organisation_id=org.id, name=name.strip())
        db.session.add(dept)
        db.session.flush()
    return dept


def ensure_admin(email: str, password: str | None, organisation: str) -> tuple[User, str | None]:
    """Make sure a platform admin with ``email`` exists.

    Returns the user and the password if one was generated here (None otherwise).
    """
    user = find_user(email)
    generated = None
    if user is None:
        org = ensure_organisation(organisation)
        if not password:
            generated = password = secrets.token_urlsafe(15)
        user = create_user(
            NewAccount(
                name="Platform administrator",
                email=email,
                password=password,
                organisation_id=org.id,
                role=Role.PLATFORM_ADMIN,
            ),
            commit=False,
        )
    elif user.role != Role.PLATFORM_ADMIN:
        user.role = Role.PLATFORM_ADMIN
    db.session.commit()
    return user, generated


#: Built once: this runs on every signed-in request, and building the statement (as
#: ``session.get`` does each time) costs more than running it.
_USER_ROW = select(*(User.__table__.c[name] for name in SessionUser.__slots__)).where(
    User.id == bindparam("id")
)


def load_session_user(identity: str) -> SessionUser | None:
    """Return the person for a session identity ``id:token`` if the token still matches.

    As a read-only :class:`SessionUser`; views that change the person use its ``record()``.
    """
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit():
        return None
    row = plain(_USER_ROW, {"id": int(user_id)}).first()
    if row is None or not secrets.compare_digest(row.session_token, token):
        return None
    return SessionUser(row)


def update_profile(
    user: User, *, locale: str | None, gender: str | None, age_band: str | None
) -> None:
    """Save a person's language and optional reporting details."""
    user.locale = locale
    user.gender = gender
    user.age_band = age_band
    db.session.commit()
