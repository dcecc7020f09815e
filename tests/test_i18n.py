"""Every UI string goes through gettext; the English catalogue is compiled and current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from learn.extensions import db

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"


def ids(catalog) -> set[str]:
    """Return the message ids of a catalogue (the singular form of plural messages)."""
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_english_catalogue_is_compiled_from_the_current_strings(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
            "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), ".",
        ],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as fh:
        current = ids(read_po(fh))
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = ids(read_po(fh))
    with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        compiled = ids(read_mo(fh))
    missing = current - catalogue
    assert not missing, (
        f"run `make messages`: {len(missing)} new strings, e.g. {sorted(missing)[:3]}"
    )
    assert catalogue == compiled, "run `make messages`: the .mo is older than the .po"


def test_language_follows_the_browser_then_the_user(make_app, make_user):
    app = make_app(LANGUAGES=["en", "fr"])
    client = app.test_client()
    html = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(True)
    assert '<html lang="fr">' in html
    user = make_user()
    user.locale = "en"
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    html = client.get("/account", headers={"Accept-Language": "fr"}).get_data(True)
    assert '<html lang="en">' in html
