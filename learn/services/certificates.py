"""Certificates: issue on completion, documents, verification, revocation."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from flask import current_app
from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from learn.core import certificate as rules
from learn.core.certificate import CertificateData, CertificateStatus
from learn.extensions import db, plain
from learn.models import AuditEvent, Certificate, CourseVersion, Person, TrackCompletion, User
from learn.models.base import utcnow
from learn.services import events

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A certificate action that cannot be done; ``status`` is the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- issuing -----------------------------------------------------------------------------


def _code_exists(code: str) -> bool:
    return db.session.scalar(select(Certificate.id).where(Certificate.code == code)) is not None


def issue_certificate(completion: TrackCompletion, *, issue_number: int = 1) -> Certificate | None:
    """Issue the certificate for a completed track; None if that issue already exists."""
    user = db.session.get(User, completion.user_id)
    version = db.session.get(CourseVersion, completion.course_version_id)
    track = version.track(completion.track_slug) or {"title": completion.track_slug}
    issued_on = completion.completed_at.astimezone(UTC).date()
    certificate = Certificate(
        code=rules.issue_with_unique_code(_code_exists),
        completion_id=completion.id,
        issue_number=issue_number,
        user_id=user.id,
        organisation_id=user.organisation_id,
        course_id=completion.course_id,
        track_slug=completion.track_slug,
        learner_name=user.name,
        track_title=track["title"],
        course_title=version.title,
        course_version=version.number,
        issuer=user.organisation.name,
        issued_on=issued_on,
        expires_on=rules.expiry_date(issued_on, track.get("certificate_validity_months")),
    )
    db.session.add(certificate)
    try:
        db.session.commit()
    except IntegrityError:
        # Issued by a concurrent request (or the code collided in a race): keep the first.
        db.session.rollback()
        return None
    logger.info("certificate issued id=%s user=%s", certificate.id, user.id)
    return certificate


def _on_track_completed(sender, completion: TrackCompletion, **extra) -> None:
    issue_certificate(completion)


def connect() -> None:
    """Issue certificates automatically when a track is completed."""
    events.track_completed.connect(_on_track_completed, weak=False)


def reissue_certificate(certificate: Certificate, actor: Person | None) -> Certificate:
    """Issue a fresh certificate (new code) for the same completion, e.g. after a revocation."""
    completion = db.session.get(TrackCompletion, certificate.completion_id)
    number = db.session.scalar(
        select(func.max(Certificate.issue_number)).where(Certificate.completion_id == completion.id)
    )
    fresh = issue_certificate(completion, issue_number=(number or 0) + 1)
    if fresh is None:
        raise CertificateError("The certificate was re-issued at the same moment; reload.", 409)
    _audit(actor, "certificate_reissued", fresh, {"replaces": certificate.code})
    db.session.commit()
    return fresh


def revoke_certificate(certificate: Certificate, reason: str, actor: Person | None) -> None:
    """Revoke a certificate with a reason, kept in the audit log."""
    reason = reason.strip()
    if not reason:
        raise CertificateError("Give a reason for revoking the certificate.")
    if certificate.revoked_at is not None:
        raise CertificateError("This certificate is already revoked.", 409)
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.id if actor else None
    _audit(actor, "certificate_revoked", certificate, {"reason": reason})
    db.session.commit()
    logger.info("certificate revoked id=%s", certificate.id)


def _audit(actor: Person | None, action: str, certificate: Certificate, detail: dict) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            subject=f"certificate:{certificate.code}",
            detail=detail,
        )
    )


# --- finding and checking ----------------------------------------------------------------


def find_by_code(text: str) -> Certificate | None:
    """Return the certificate for a typed or scanned code (any case, spacing), or None."""
    code = rules.normalise_code(text or "")
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def status_of(certificate: Certificate | None, today: date | None = None) -> CertificateStatus:
    """Return valid, expired, revoked or unknown."""
    if certificate is None:
        return CertificateStatus.UNKNOWN
    return rules.status(certificate.revoked_at, certificate.expires_on, today or date.today())


#: Built once: My learning runs it on every request.
_CERTIFICATES_OF = (
    select(Certificate.code, Certificate.track_title, Certificate.issued_on, Certificate.revoked_at)
    .where(Certificate.user_id == bindparam("user_id"))
    .order_by(Certificate.issued_at.desc())
)


def certificates_for(user: Person) -> list[Row]:
    """Return a learner's certificates, newest first: code, track title, issued, revoked."""
    return plain(_CERTIFICATES_OF, {"user_id": user.id}).all()


def owned_certificate(user: Person, code: str) -> Certificate:
    """Return ``user``'s own certificate with ``code``; 404 for anyone else's."""
    certificate = find_by_code(code)
    if certificate is None or certificate.user_id != user.id:
        raise CertificateError("There is no such certificate.", 404)
    return certificate


# --- documents ---------------------------------------------------------------------------
#
# ``learn.documents`` (fpdf2, fontTools, Pillow, uharfbuzz, segno, cryptography) is about
# 50 MB per process and only certificate downloads and the issuer profile need it, so it is
# imported inside the functions below, not when a worker starts.


def verify_url(code: str) -> str:
    """Return the public verification address of a code."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/verify/{code}"


def issuer_url() -> str:
    """Return the stable address of the issuer profile and its public key."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/credentials/issuer.json"


def certificate_data(certificate: Certificate) -> CertificateData:
    """Return what the documents say about ``certificate``."""
    return CertificateData(
        learner_name=certificate.learner_name,
        track_title=certificate.track_title,
        course_title=certificate.course_title,
        course_version=str(certificate.course_version),
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        issuer=certificate.issuer,
        code=certificate.code,
        verify_url=verify_url(certificate.code),
    )


def pdf_for(certificate: Certificate) -> bytes:
    """Return the certificate's PDF (the same bytes every time)."""
    from learn.documents.pdf import certificate_pdf

    return certificate_pdf(certificate_data(certificate))


def signing_key():
    """Return the Ed25519 signing key, creating the key file on first use."""
    from learn.documents import credential as vc

    path = Path(
        current_app.config.get("CREDENTIAL_KEY_FILE")
        or Path(current_app.instance_path) / "credential-key.pem"
    )
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = vc.private_key_to_pem(vc.generate_key())
        try:
            # O_EXCL: if two workers race, one writes and the other reads its key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
            logger.info("created a credential signing key at %s", path)
    return vc.private_key_from_pem(path.read_bytes())


def issuer_document() -> dict:
    """Return the issuer profile with the public key, published at :func:`issuer_url`."""
    from learn.documents import credential as vc

    return vc.issuer_profile(
        issuer_url(), current_app.config["SITE_NAME"], signing_key().public_key()
    )


def credential_for(certificate: Certificate) -> dict:
    """Return the signed Open Badges 3.0 credential of ``certificate`` (deterministic)."""
    from learn.documents import credential as vc

    data = certificate_data(certificate)
    start = datetime.combine(certificate.issued_on, time.min, tzinfo=UTC)
    until = (
        datetime.combine(certificate.expires_on, time.min, tzinfo=UTC)
        if certificate.expires_on
        else None
    )
    base = current_app.config["BASE_URL"].rstrip("/")
    document = vc.build_credential(
        data,
        issuer_id=issuer_url(),
        issuer_name=f"{current_app.config['SITE_NAME']} for {certificate.issuer}",
        credential_id=verify_url(certificate.code),
        achievement_id=f"{base}/courses#{certificate.track_slug}-v{certificate.course_version}",
        valid_from=start,
        valid_until=until,
    )
    return vc.sign_credential(document, signing_key(), created=certificate.issued_at)


def credential_json(certificate: Certificate) -> str:
    """Return the signed credential as the JSON text offered for download."""
    return json.dumps(credential_for(certificate), ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class VerifyAnswer:
    """What the public verification page may say: nothing beyond these fields."""

    status: CertificateStatus
    learner_name: str | None = None
    track_title: str | None = None
    course_title: str | None = None
    issuer: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    revoked_on: date | None = None


def verify_code(text: str, today: date | None = None) -> VerifyAnswer:
    """Check a code; an unknown or malformed one says only that it was not found."""
    certificate = find_by_code(text)
    status = status_of(certificate, today)
    if certificate is None:
        return VerifyAnswer(status)
    return VerifyAnswer(
        status=status,
        learner_name=certificate.learner_name,
        track_title=certificate.track_title,
        course_title=certificate.course_title,
        issuer=certificate.issuer,
        issued_on=certificate.issued_on,
        expires_on=certificate.expires_on,
        revoked_on=certificate.revoked_at.date() if certificate.revoked_at else None,
    )
