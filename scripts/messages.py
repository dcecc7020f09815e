"""Extract UI strings, update the catalogues, fill English (source = translation), compile.

Run with ``make messages`` after changing any UI text; tests/test_i18n.py fails until then.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


def babel(*args: str) -> None:
    """Run a pybabel subcommand from the project root."""
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True)


def main() -> None:
    """Extract, update every language, make English complete, compile."""
    babel(
        "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
        "--no-location", "--sort-output", "-o", str(POT), ".",
    )  # fmt: skip
    english = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    if not english.exists():
        babel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", "en")
    babel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")
    with english.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id and not message.string:
            message.string = message.id
    with english.open("wb") as fh:
        write_po(fh, catalog, width=100)
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as fh:
            compiled = read_po(fh)
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, compiled)


if __name__ == "__main__":
    main()
