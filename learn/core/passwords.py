"""Password rules: long enough, and not on the list of common passwords.

The list is Django's ``common-passwords.txt.gz`` (20,000 passwords from breach corpora,
BSD licence, see NOTICE), shipped with the package.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    """Return the shipped common passwords, lower-cased."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip())


TOO_SHORT = "too_short"
TOO_COMMON = "too_common"
TOO_FEW_CHARACTERS = "too_few_characters"
CONTAINS_EMAIL = "contains_email"


def password_problems(password: str, *, min_length: int = 12, email: str = "") -> list[str]:
    """Return the codes of the rules ``password`` breaks (empty when it is acceptable).

    Codes, not sentences: the web layer words them in the reader's language.
    """
    problems = []
    if len(password) < min_length:
        problems.append(TOO_SHORT)
    lowered = password.lower()
    local_part = email.split("@")[0].lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!") in common_passwords():
        problems.append(TOO_COMMON)
    elif len(set(password)) < 4:
        problems.append(TOO_FEW_CHARACTERS)
    elif len(local_part) >= 4 and local_part in lowered:
        problems.append(CONTAINS_EMAIL)
    return problems
