"""Find runs of words that course text shares with the seed documents.

Used by the shipped-course test and runnable by hand while writing:
``python tests/content/overlap.py courses quizzes`` prints every shared run.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

RUN = 12
SOURCES = Path(__file__).resolve().parents[3] / "shared" / "sources"
WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# Attributed quotations of legal text are allowed: text between double quotes is skipped.
QUOTED = re.compile(r"[\"“][^\"”]{0,600}[\"”]")


def words(text: str) -> list[str]:
    """Return the lowercase words of ``text``."""
    return WORD.findall(text.lower().replace("’", "'"))


def source_runs(sources: Path = SOURCES, n: int = RUN) -> set[tuple[str, ...]]:
    """Return every run of ``n`` consecutive words in the seed documents."""
    runs: set[tuple[str, ...]] = set()
    for path in sorted(sources.glob("*.txt")):
        w = words(path.read_text(encoding="utf-8", errors="replace"))
        runs.update(tuple(w[i : i + n]) for i in range(len(w) - n + 1))
    return runs


def shared_runs(text: str, runs: set[tuple[str, ...]], n: int = RUN) -> list[str]:
    """Return the runs of ``n`` words in ``text`` (outside quotations) found in ``runs``."""
    found = []
    for part in QUOTED.split(text):
        w = words(part)
        found.extend(
            " ".join(w[i : i + n]) for i in range(len(w) - n + 1) if tuple(w[i : i + n]) in runs
        )
    return found


def main(paths: list[str]) -> int:
    """Print shared runs for every file under ``paths``; return 1 if any."""
    runs = source_runs()
    bad = 0
    for root in paths:
        for path in sorted(Path(root).rglob("*")):
            # course.yml only names the cited works: a title is a citation, not prose.
            if path.suffix in {".md", ".yml"} and path.name != "course.yml":
                for hit in shared_runs(path.read_text(encoding="utf-8"), runs):
                    bad += 1
                    print(f"{path}: {hit}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["courses", "quizzes"]))
