"""Verification codes, expiry arithmetic and status of certificates (no app needed)."""

import dataclasses
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learn.core.certificate import (
    ALPHABET,
    CertificateData,
    CertificateStatus,
    expiry_date,
    is_code,
    issue_with_unique_code,
    new_code,
    normalise_code,
    status,
)

CODE_PATTERN = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$")
no_database = settings(database=None)


def code_value(code: str) -> int:
    """Decode a canonical code back to its 100-bit number (test helper)."""
    value = 0
    for symbol in code.replace("-", ""):
        value = value * 32 + ALPHABET.index(symbol)
    return value


def test_alphabet_is_crockford_without_look_alikes():
    assert len(ALPHABET) == 32
    assert len(set(ALPHABET)) == 32
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert not set("ILOU") & set(ALPHABET)


def test_new_code_is_five_groups_of_four_symbols():
    code = new_code()
    assert CODE_PATTERN.match(code), code
    assert len(code.replace("-", "")) == 20


def test_new_code_asks_for_13_random_bytes():
    asked = []

    def fake(n: int) -> bytes:
        asked.append(n)
        return bytes(n)

    assert new_code(fake) == "0000-0000-0000-0000-0000"
    assert asked == [13]


def test_new_code_uses_exactly_100_bits():
    assert new_code(lambda n: b"\xff" * n) == "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"
    # The lowest 4 of the 104 random bits are dropped ...
    assert new_code(lambda n: bytes(n - 1) + b"\x0f") == "0000-0000-0000-0000-0000"
    # ... and the next bit up is the last bit of the code.
    assert new_code(lambda n: bytes(n - 1) + b"\x10") == "0000-0000-0000-0000-0001"
    assert new_code(lambda n: b"\x80" + bytes(n - 1)) == "G000-0000-0000-0000-0000"


@no_database
@given(st.integers(min_value=0, max_value=2**100 - 1))
def test_every_100_bit_number_has_its_own_code(number):
    code = new_code(lambda n: (number << 4).to_bytes(n, "big"))
    assert CODE_PATTERN.match(code)
    assert code_value(code) == number


def test_new_code_rejects_a_short_random_source():
    with pytest.raises(ValueError):
        new_code(lambda n: bytes(n - 1))


def test_new_codes_differ():
    assert len({new_code() for _ in range(1000)}) == 1000


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7K2M-9QXR-0B4D-HJ6T-WZ3E", "7K2M-9QXR-0B4D-HJ6T-WZ3E"),
        ("7k2m-9qxr-0b4d-hj6t-wz3e", "7K2M-9QXR-0B4D-HJ6T-WZ3E"),
        ("7K2M9QXR0B4DHJ6TWZ3E", "7K2M-9QXR-0B4D-HJ6T-WZ3E"),
        ("  7K 2M9-QX R0B4 D-HJ6T WZ3E\n", "7K2M-9QXR-0B4D-HJ6T-WZ3E"),
        ("7K2M--9QXR-0B4D-HJ6T-WZ3E-", "7K2M-9QXR-0B4D-HJ6T-WZ3E"),
        ("7K2M\u20139QXR\u20130B4D\u2013HJ6T\u2013WZ3E", "7K2M-9QXR-0B4D-HJ6T-WZ3E"),
        ("OOOO-oooo-IIII-iiii-LlLl", "0000-0000-1111-1111-1111"),
    ],
)
def test_normalise_code_accepts_what_people_type(typed, expected):
    assert normalise_code(typed) == expected
    assert is_code(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "7K2M-9QXR-0B4D-HJ6T-WZ3",  # 19 symbols
        "7K2M-9QXR-0B4D-HJ6T-WZ3EE",  # 21 symbols
        "7K2M-9QXR-0B4D-HJ6T-WZ3U",  # U is not a symbol
        "7K2M-9QXR-0B4D-HJ6T-WZ3.",
        "7K2M_9QXR_0B4D_HJ6T_WZ3E",
        "7K2M-9QXR-0B4D-HJ6T-WZ3\u0131",  # dotless i upper-cases to I
        "7K2M-9QXR-0B4D-HJ6T-WZ3\uff25",  # full-width E
        "https://example.org/verify/7K2M-9QXR-0B4D-HJ6T-WZ3E",
    ],
)
def test_normalise_code_refuses_what_cannot_be_a_code(typed):
    assert normalise_code(typed) is None
    assert not is_code(typed)


def test_normalise_code_refuses_non_strings():
    assert normalise_code(None) is None  # type: ignore[arg-type]
    assert normalise_code(b"7K2M-9QXR-0B4D-HJ6T-WZ3E") is None  # type: ignore[arg-type]


@no_database
@given(st.binary(min_size=13, max_size=13), st.sampled_from(["", " ", "-", "  "]))
def test_normalise_code_round_trips(raw, separator):
    code = new_code(lambda n: raw)
    assert normalise_code(code) == code
    typed = code.replace("-", separator).lower()
    assert normalise_code(typed) == code


def test_issue_with_unique_code_retries_on_collision():
    generated = iter(["AAAA-AAAA-AAAA-AAAA-AAAA", "AAAA-AAAA-AAAA-AAAA-AAAA", "BBBB"])
    taken = {"AAAA-AAAA-AAAA-AAAA-AAAA"}
    assert issue_with_unique_code(taken.__contains__, new=lambda: next(generated)) == "BBBB"


def test_issue_with_unique_code_gives_up_after_tries():
    calls = []

    def same() -> str:
        calls.append(1)
        return "AAAA-AAAA-AAAA-AAAA-AAAA"

    with pytest.raises(RuntimeError):
        issue_with_unique_code(lambda code: True, new=same, tries=3)
    assert len(calls) == 3


def test_issue_with_unique_code_defaults_to_new_codes():
    seen: list[str] = []
    code = issue_with_unique_code(lambda c: seen.append(c) or False)
    assert seen == [code]
    assert CODE_PATTERN.match(code)


def test_issue_with_unique_code_needs_a_try():
    with pytest.raises(ValueError):
        issue_with_unique_code(lambda code: False, tries=0)


@pytest.mark.parametrize(
    ("issued", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 1, 15), 1, date(2025, 2, 15)),
        (date(2025, 11, 30), 2, date(2026, 1, 30)),
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2025, 12, 1), 12, date(2026, 12, 1)),
        (date(2025, 1, 31), 13, date(2026, 2, 28)),
        (date(2025, 6, 10), 24, date(2027, 6, 10)),
    ],
)
def test_expiry_date_adds_calendar_months(issued, months, expected):
    assert expiry_date(issued, months) == expected


def test_expiry_date_none_never_expires():
    assert expiry_date(date(2025, 1, 31), None) is None


@pytest.mark.parametrize("months", [0, -1])
def test_expiry_date_refuses_non_positive_months(months):
    with pytest.raises(ValueError):
        expiry_date(date(2025, 1, 31), months)


REVOKED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("revoked_at", "expires_on", "today", "expected"),
    [
        (None, None, date(2099, 1, 1), CertificateStatus.VALID),
        (None, date(2026, 2, 28), date(2026, 2, 27), CertificateStatus.VALID),
        (None, date(2026, 2, 28), date(2026, 2, 28), CertificateStatus.EXPIRED),
        (None, date(2026, 2, 28), date(2026, 3, 1), CertificateStatus.EXPIRED),
        (REVOKED_AT, None, date(2025, 3, 2), CertificateStatus.REVOKED),
        (REVOKED_AT, date(2026, 2, 28), date(2025, 3, 2), CertificateStatus.REVOKED),
        (REVOKED_AT, date(2025, 2, 28), date(2030, 1, 1), CertificateStatus.REVOKED),
    ],
)
def test_status(revoked_at, expires_on, today, expected):
    assert status(revoked_at, expires_on, today) is expected


def test_status_values_are_strings():
    assert CertificateStatus.VALID == "valid"
    assert {s.value for s in CertificateStatus} == {"valid", "expired", "revoked", "unknown"}


def test_certificate_data_is_frozen():
    data = CertificateData(
        learner_name="Ada",
        track_title="Track",
        course_title="Course",
        course_version="1",
        issued_on=date(2025, 1, 31),
        expires_on=None,
        issuer="Org",
        code="0000-0000-0000-0000-0000",
        verify_url="https://example.org/verify/0000-0000-0000-0000-0000",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.learner_name = "Eve"  # type: ignore[misc]
