"""Courses, tracks and modules as plain immutable values, and the lens-block syntax."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

#: The content format this code reads and writes.
FORMAT = 1
#: Every lens a module block or a question can name, in display order.
LENSES: tuple[str, ...] = ("gender", "age")
#: Lowercase letters, digits and single hyphens between them.
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def is_slug(value: str) -> bool:
    """Return whether ``value`` is a valid slug or id."""
    return SLUG_RE.fullmatch(value) is not None


def content_hash(text: str) -> str:
    """Return the version identity of a file's text: SHA-256 hex of its UTF-8, CRLF as LF."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Source:
    """A work that modules and questions cite."""

    id: str
    title: str
    publisher: str
    year: int | None
    url: str | None


@dataclass(frozen=True, slots=True)
class Track:
    """An audience's path through a course: an ordered list of modules and default lenses."""

    slug: str
    title: str
    audience: str
    modules: tuple[str, ...]
    lenses: frozenset[str]
    certificate_validity_months: int | None


@dataclass(frozen=True, slots=True)
class Module:
    """One module file: front matter and raw Markdown body."""

    slug: str
    number: int
    title: str
    minutes: int
    objectives: tuple[str, ...]
    sources: tuple[str, ...]
    content_note: str | None
    body: str
    source_text: str
    path: str

    @property
    def version(self) -> str:
        """Return the content hash of the whole file."""
        return content_hash(self.source_text)


@dataclass(frozen=True, slots=True)
class Course:
    """A course: its sources, tracks and modules (ordered by number)."""

    slug: str
    title: str
    summary: str
    sources: tuple[Source, ...]
    tracks: tuple[Track, ...]
    modules: tuple[Module, ...]
    source_text: str

    @property
    def version(self) -> str:
        """Return the content hash of ``course.yml``."""
        return content_hash(self.source_text)

    def track(self, slug: str) -> Track | None:
        """Return the track called ``slug``, or None."""
        return next((t for t in self.tracks if t.slug == slug), None)

    def module(self, slug: str) -> Module | None:
        """Return the module called ``slug``, or None."""
        return next((m for m in self.modules if m.slug == slug), None)

    def source(self, id: str) -> Source | None:
        """Return the source with this ``id``, or None."""
        return next((s for s in self.sources if s.id == id), None)

    def track_modules(self, slug: str) -> tuple[Module, ...]:
        """Return the modules of track ``slug`` in the track's order (empty if no such track)."""
        track = self.track(slug)
        if track is None:
            return ()
        found = (self.module(m) for m in track.modules)
        return tuple(m for m in found if m is not None)


@dataclass(frozen=True, slots=True)
class BodyPart:
    """A run of a module body: common text (``lens`` None) or the inside of one lens block."""

    lens: str | None
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class LensProblem:
    """A broken lens block, at a line counted from the ``first_line`` given to the splitter."""

    line: int
    message: str


_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_OPEN_RE = re.compile(r"^:::\s*lens(?:\s+(\S*))?\s*(\S.*)?$")
_LENS_EXPECTED = " or ".join(f"'::: lens {lens}'" for lens in LENSES)


def split_lens_blocks(
    body: str, first_line: int = 1
) -> tuple[tuple[BodyPart, ...], tuple[LensProblem, ...]]:
    """Split a Markdown body into common text and lens blocks.

    A line ``::: lens NAME`` opens a block and a line ``:::`` closes it; lines inside fenced
    code are left alone. Problems do not stop the split (the parts are a best effort), so a
    renderer can still show a draft while the loader reports every problem.

    :param first_line: the file line number of the body's first line, used in problems.
    """
    parts: list[BodyPart] = []
    problems: list[LensProblem] = []
    buffer: list[str] = []
    buffer_line = first_line
    lens: str | None = None
    open_line = 0
    fence: str | None = None

    def flush(next_line: int, *, is_closed: bool = True) -> None:
        nonlocal buffer, buffer_line
        text = "\n".join(buffer)
        if text.strip():
            parts.append(BodyPart(lens, text, buffer_line))
        elif lens is not None and is_closed:
            problems.append(
                LensProblem(
                    open_line,
                    f"lens block '{lens}' is empty, expected some text between "
                    f"'::: lens {lens}' and ':::'",
                )
            )
        buffer = []
        buffer_line = next_line

    for number, line in enumerate(body.split("\n"), start=first_line):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            buffer.append(line)
            continue
        match = _FENCE_RE.match(line)
        if match:
            fence = match.group(1)
            buffer.append(line)
            continue
        if not stripped.startswith(":::"):
            buffer.append(line)
            continue
        if stripped == ":::":
            if lens is None:
                problems.append(
                    LensProblem(
                        number,
                        f"':::' closes no open lens block, expected {_LENS_EXPECTED} before it",
                    )
                )
            else:
                flush(number + 1)
                lens = None
            continue
        opener = _OPEN_RE.match(stripped)
        if opener is None:
            problems.append(
                LensProblem(
                    number,
                    f"unknown block line '{stripped}', expected {_LENS_EXPECTED} or ':::'",
                )
            )
            buffer.append(line)
            continue
        name, extra = opener.group(1) or "", opener.group(2)
        if lens is not None:
            problems.append(
                LensProblem(
                    number,
                    f"lens block opened inside the '{lens}' lens block of line {open_line}, "
                    "expected ':::' to close that block first (lens blocks do not nest)",
                )
            )
            continue
        if not name or extra:
            problems.append(
                LensProblem(
                    number, f"malformed lens block line '{stripped}', expected {_LENS_EXPECTED}"
                )
            )
        elif name not in LENSES:
            problems.append(
                LensProblem(number, f"unknown lens '{name}', expected one of: {', '.join(LENSES)}")
            )
        flush(number + 1)
        lens = name or "?"
        open_line = number
    if lens is not None:
        problems.append(
            LensProblem(
                open_line, f"lens block '{lens}' is never closed, expected a line ':::' after it"
            )
        )
    flush(0, is_closed=lens is None)
    return tuple(parts), tuple(problems)


def lenses_in(body: str) -> frozenset[str]:
    """Return the lenses that have at least one block in ``body``."""
    parts, _ = split_lens_blocks(body)
    return frozenset(p.lens for p in parts if p.lens is not None)
