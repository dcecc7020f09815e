"""Certificates: verification codes, expiry and status, and the data printed on a certificate.

A verification code is 20 symbols of Crockford's base32 (100 random bits from ``secrets``),
shown as five groups of four: ``7K2M-9QXR-0B4D-HJ6T-WZ3E``. The alphabet leaves out I, L, O
and U, so a code read aloud or typed from paper survives the usual confusions: when a code is
typed in, ``O`` is read as ``0`` and ``I``/``L`` as ``1``, case, spaces and hyphens are ignored.
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

#: Crockford's base32: digits and capitals without I, L, O, U (32 symbols, 5 bits each).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_SYMBOLS = 20
CODE_BITS = CODE_SYMBOLS * 5  # 100
GROUP_SIZE = 4
SEPARATOR = "-"

_RANDOM_BYTES = (CODE_BITS + 7) // 8  # 13 bytes = 104 bits; the 4 spare bits are dropped
#: What a typed character means: Crockford's decoding, plus the look-alikes it forgives.
_DECODE = {symbol: symbol for symbol in ALPHABET} | {"O": "0", "I": "1", "L": "1"}
#: Characters ignored when a code is typed in: whitespace and the dashes people paste.
_IGNORED = frozenset(" \t\r\n\u00a0-\u2010\u2011\u2012\u2013\u2014\u2212")


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate (PDF) or stated in its credential (JSON)."""

    learner_name: str
    track_title: str
    course_title: str
    course_version: str
    issued_on: date
    expires_on: date | None
    #: The issuing organisation's name, as printed.
    issuer: str
    #: The verification code in canonical grouped form (see :func:`new_code`).
    code: str
    #: The public page where anyone can check the code.
    verify_url: str


def _group(symbols: str) -> str:
    return SEPARATOR.join(symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE))


def new_code(rng_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """Return a new random verification code in canonical grouped form.

    :param rng_bytes: source of random bytes, called once with the number of bytes wanted;
        tests pass a fake, production keeps :func:`secrets.token_bytes`.
    """
    raw = rng_bytes(_RANDOM_BYTES)
    if len(raw) != _RANDOM_BYTES:
        raise ValueError(f"expected {_RANDOM_BYTES} random bytes, got {len(raw)}")
    number = int.from_bytes(raw, "big") >> (_RANDOM_BYTES * 8 - CODE_BITS)
    symbols = "".join(
        ALPHABET[(number >> (5 * (CODE_SYMBOLS - 1 - i))) & 0x1F] for i in range(CODE_SYMBOLS)
    )
    return _group(symbols)


def normalise_code(text: str) -> str | None:
    """Return the canonical grouped form of a typed code, or None if it cannot be one.

    Lower case is accepted; spaces and hyphens may appear anywhere; ``O`` reads as ``0`` and
    ``I``/``L`` as ``1``. Anything else (``U``, punctuation, non-ASCII letters, the wrong
    number of symbols) makes it not a code.
    """
    if not isinstance(text, str):
        return None
    symbols = []
    for char in text:
        if char in _IGNORED:
            continue
        # Upper-case ASCII only: str.upper() maps some non-ASCII letters (dotless i) to ASCII.
        symbol = _DECODE.get(char.upper() if char.isascii() else char)
        if symbol is None:
            return None
        symbols.append(symbol)
    if len(symbols) != CODE_SYMBOLS:
        return None
    return _group("".join(symbols))


def is_code(text: str) -> bool:
    """Return whether ``text`` is a verification code as a person might type it.

    True exactly when :func:`normalise_code` accepts it (not only the canonical form).
    """
    return normalise_code(text) is not None


def issue_with_unique_code(
    exists: Callable[[str], bool],
    new: Callable[[], str] = new_code,
    tries: int = 5,
) -> str:
    """Return a new code for which ``exists(code)`` is false, retrying on a collision.

    With 100 random bits a collision is practically impossible, so repeated collisions mean a
    broken generator; keep the unique constraint in the database all the same, since two
    issuers can race between the check and the insert.

    :raises RuntimeError: if ``tries`` codes in a row already exist.
    """
    if tries < 1:
        raise ValueError("tries must be at least 1")
    for _ in range(tries):
        code = new()
        if not exists(code):
            return code
    raise RuntimeError(f"no unused certificate code after {tries} tries")


def expiry_date(issued: date, validity_months: int | None) -> date | None:
    """Return the expiry date ``validity_months`` calendar months after ``issued``.

    None means the certificate never expires. The day is clamped to the end of a shorter
    month: 31 January + 1 month is 28 (or 29) February.

    :raises ValueError: if ``validity_months`` is zero or negative.
    """
    if validity_months is None:
        return None
    if validity_months < 1:
        raise ValueError("validity_months must be a positive number of months")
    months = issued.year * 12 + (issued.month - 1) + validity_months
    year, month = divmod(months, 12)
    month += 1
    day = min(issued.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


class CertificateStatus(StrEnum):
    """What a verification page says about a code."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    #: No certificate has this code; :func:`status` never returns it.
    UNKNOWN = "unknown"


def status(revoked_at: datetime | None, expires_on: date | None, today: date) -> CertificateStatus:
    """Return the status of an issued certificate on ``today``.

    Revocation wins over expiry. A certificate is expired *on* its expiry date: with
    ``expires_on`` 28 February it is valid up to and including 27 February.
    """
    if revoked_at is not None:
        return CertificateStatus.REVOKED
    if expires_on is not None and today >= expires_on:
        return CertificateStatus.EXPIRED
    return CertificateStatus.VALID
