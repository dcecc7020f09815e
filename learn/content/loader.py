"""Read course, module and quiz files into core objects, reporting every problem at once.

Each problem is a :class:`ContentError` naming the file, the line and what was expected
(docs/content-format.md is the contract). ``load_*`` return everything or raise
:class:`ContentErrors`; nothing is half-loaded. ``parse_*_text`` check one file's text, so
the authoring editor can validate a file before saving it.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from learn.core.course import (
    FORMAT,
    LENSES,
    Course,
    Module,
    Source,
    Track,
    is_slug,
    split_lens_blocks,
)
from learn.core.errors import ContentError, ContentErrors
from learn.core.quiz import QUESTION_TYPES, Choice, Option, Outcome, Question, Quiz, Step

MODULE_FILE_RE = re.compile(r"^(\d{2})-(.*)\.md$")
COURSE_FILE = "course.yml"

_COURSE_KEYS = ("format", "slug", "title", "summary", "sources", "tracks")
_SOURCE_KEYS = ("id", "title", "publisher", "year", "url")
_TRACK_KEYS = ("slug", "title", "audience", "lenses", "certificate_validity_months", "modules")
_MODULE_KEYS = ("slug", "title", "minutes", "objectives", "sources", "content_note")
_QUIZ_KEYS = ("format", "module", "pass_mark", "draw", "max_attempts", "questions")
_QUESTION_KEYS = (
    "id",
    "type",
    "scenario",
    "possible_victim",
    "lenses",
    "tracks",
    "points",
    "stem",
    "explanation",
    "sources",
)
_OPTION_KEYS = ("options",)
_BRANCHING_KEYS = ("start", "steps", "outcomes")
_OPTION_COUNTS = {"single": (2, 8), "multiple": (2, 10), "true_false": (2, 2), "ordering": (3, 8)}
_SLUG_HELP = "lowercase letters, digits and hyphens, like 'red-flags'"


# --- a YAML tree that remembers line numbers -----------------------------------------------


@dataclass
class _Node:
    """A YAML value with the file line it starts on.

    ``kind`` is "map" (``entries``, ``key_lines``), "seq" (``items``) or "scalar" (``value``,
    the YAML-typed Python value, and ``raw``, the scalar's text as written).
    """

    kind: str
    line: int
    value: Any = None
    raw: str = ""
    entries: dict[str, _Node] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    items: list[_Node] = field(default_factory=list)

    @property
    def is_null(self) -> bool:
        """Return whether this is an empty or ``null`` scalar."""
        return self.kind == "scalar" and self.value is None


class _Reader:
    """Collect the problems of one file while its values are read."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ContentError] = []

    def error(self, line: int | None, message: str) -> None:
        """Record a problem at ``line`` of this file."""
        self.errors.append(ContentError(self.path, line, message))

    def raise_errors(self) -> None:
        """Raise every recorded problem, if any."""
        if self.errors:
            raise ContentErrors(_sorted(self.errors))

    # -- YAML

    def yaml(self, text: str, offset: int = 0) -> _Node | None:
        """Parse ``text`` as one YAML document whose line 1 is file line ``offset + 1``."""
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                self.error(offset + 1, "no YAML here, expected 'key: value' lines")
                return None
            return self._convert(loader, node, offset, set())
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + offset if mark is not None else None
            problem = exc.problem or exc.context or "unreadable YAML"
            if exc.problem and exc.context and exc.context_mark is not None:
                problem += f" ({exc.context} on line {exc.context_mark.line + 1 + offset})"
            self.error(
                line,
                f"invalid YAML: {problem}, expected well-formed YAML (check the indentation, "
                "and put text that contains ': ' or starts with a special character in quotes)",
            )
        except yaml.YAMLError as exc:
            self.error(offset + 1, f"invalid YAML: {exc}")
        finally:
            loader.dispose()
        return None

    def _convert(
        self, loader: yaml.SafeLoader, node: yaml.Node, offset: int, active: set[int]
    ) -> _Node:
        line = node.start_mark.line + 1 + offset
        if id(node) in active:
            self.error(line, "a YAML alias refers to itself, expected plain values")
            return _Node("scalar", line)
        if isinstance(node, yaml.MappingNode):
            result = _Node("map", line)
            active.add(id(node))
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1 + offset
                if not isinstance(key_node, yaml.ScalarNode):
                    self.error(key_line, "a key must be a plain word, expected 'key: value'")
                    continue
                key = str(key_node.value)
                if key in result.entries:
                    self.error(
                        key_line,
                        f"duplicate key '{key}' (first at line {result.key_lines[key]}), "
                        "expected each key once",
                    )
                    continue
                result.entries[key] = self._convert(loader, value_node, offset, active)
                result.key_lines[key] = key_line
            active.discard(id(node))
            return result
        if isinstance(node, yaml.SequenceNode):
            active.add(id(node))
            items = [self._convert(loader, item, offset, active) for item in node.value]
            active.discard(id(node))
            return _Node("seq", line, items=items)
        return _Node("scalar", line, value=loader.construct_object(node), raw=str(node.value))

    # -- keys of a mapping

    def mapping(
        self,
        node: _Node,
        what: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...],
        elsewhere: dict[str, str] | None = None,
    ) -> _Map | None:
        """Check ``node`` is a mapping with only ``allowed`` keys and every ``required`` one."""
        if node.kind != "map":
            self.error(node.line, f"{what} must be a set of 'key: value' lines, got {_kind(node)}")
            return None
        for key, line in node.key_lines.items():
            if key in allowed:
                continue
            if elsewhere and key in elsewhere:
                self.error(line, f"key '{key}' is not used in {what}: {elsewhere[key]}")
                continue
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.error(
                line,
                f"unknown key '{key}' in {what}{hint}, expected one of: {', '.join(allowed)}",
            )
        for key in required:
            if key not in node.entries:
                self.error(node.line, f"{what} has no '{key}' key, expected a line '{key}: ...'")
        return _Map(self, node, what)


def _kind(node: _Node) -> str:
    if node.kind == "map":
        return "a set of keys"
    if node.kind == "seq":
        return "a list"
    if node.is_null:
        return "nothing"
    return f"'{node.raw}'"


class _Map:
    """Typed access to the values of one checked mapping; wrong values are recorded."""

    def __init__(self, reader: _Reader, node: _Node, what: str) -> None:
        self.r = reader
        self.node = node
        self.what = what

    def has(self, key: str) -> bool:
        """Return whether ``key`` is present and not empty."""
        value = self.node.entries.get(key)
        return value is not None and not value.is_null

    def line(self, key: str) -> int:
        """Return the line of ``key``, or of the mapping when the key is absent."""
        return self.node.key_lines.get(key, self.node.line)

    def get(self, key: str) -> _Node | None:
        """Return the node of ``key``, or None."""
        return self.node.entries.get(key)

    def text(self, key: str, *, required: bool = True) -> str | None:
        """Return a non-empty text value (numbers and booleans are taken as written)."""
        node = self.node.entries.get(key)
        if node is None:
            return None
        if node.kind != "scalar":
            self.r.error(node.line, f"'{key}' in {self.what} must be text, got {_kind(node)}")
            return None
        if node.is_null or not node.raw.strip():
            if required:
                self.r.error(self.line(key), f"'{key}' in {self.what} is empty, expected text")
            return None
        value = node.value if isinstance(node.value, str) else node.raw
        return value.strip()

    def slug(self, key: str, what: str = "slug") -> str | None:
        """Return a value that must be a slug."""
        value = self.text(key)
        if value is not None and not is_slug(value):
            self.r.error(
                self.line(key),
                f"'{value}' is not a valid {what} for '{key}' in {self.what}, "
                f"expected {_SLUG_HELP}",
            )
        return value

    def integer(self, key: str, low: int, high: int | None = None, *, hint: str = "") -> int | None:
        """Return a whole number in ``low..high`` (no upper bound when ``high`` is None)."""
        node = self.node.entries.get(key)
        if node is None or node.is_null:
            return None
        value = node.value if node.kind == "scalar" else None
        span = f"from {low} to {high}" if high is not None else f"of at least {low}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.r.error(
                node.line,
                f"'{key}' in {self.what} must be a whole number {span}{hint}, got {_kind(node)}",
            )
            return None
        if value < low or (high is not None and value > high):
            self.r.error(
                node.line,
                f"'{key}' in {self.what} must be a whole number {span}{hint}, got {value}",
            )
            return None
        return value

    def number(self, key: str, low: float, high: float) -> float | None:
        """Return a number (whole or decimal) in ``low..high``."""
        node = self.node.entries.get(key)
        if node is None or node.is_null:
            return None
        value = node.value if node.kind == "scalar" else None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            self.r.error(
                node.line,
                f"'{key}' in {self.what} must be a number from {low:g} to {high:g}, "
                f"got {_kind(node)}",
            )
            return None
        return float(value)

    def boolean(self, key: str) -> bool:
        """Return a true/false value (False when absent)."""
        node = self.node.entries.get(key)
        if node is None or node.is_null:
            return False
        if node.kind != "scalar" or not isinstance(node.value, bool):
            self.r.error(
                node.line, f"'{key}' in {self.what} must be true or false, got {_kind(node)}"
            )
            return False
        return node.value

    def seq(self, key: str, low: int, high: int | None = None, noun: str = "items") -> list[_Node]:
        """Return the items of a list holding ``low..high`` items."""
        node = self.node.entries.get(key)
        if node is None:
            return []
        if node.kind != "seq":
            self.r.error(
                node.line, f"'{key}' in {self.what} must be a list ('- ' lines), got {_kind(node)}"
            )
            return []
        count = len(node.items)
        if count < low or (high is not None and count > high):
            span = f"{low} to {high}" if high is not None else f"at least {low}"
            if high == low:
                span = f"exactly {low}"
            self.r.error(node.line, f"'{key}' in {self.what} has {count} {noun}, expected {span}")
        return node.items

    def texts(self, key: str, low: int, high: int | None = None) -> list[tuple[str, int]]:
        """Return a list of non-empty texts with their lines."""
        result = []
        for item in self.seq(key, low, high):
            if item.kind != "scalar" or item.is_null or not item.raw.strip():
                self.r.error(
                    item.line, f"an item of '{key}' in {self.what} must be text, got {_kind(item)}"
                )
                continue
            value = item.value if isinstance(item.value, str) else item.raw
            result.append((value.strip(), item.line))
        return result

    def slugs(self, key: str, low: int, high: int | None = None) -> list[tuple[str, int]]:
        """Return a list of unique slugs with their lines."""
        result: list[tuple[str, int]] = []
        seen: dict[str, int] = {}
        for value, line in self.texts(key, low, high):
            if not is_slug(value):
                self.r.error(
                    line, f"'{value}' in '{key}' of {self.what} is not valid, expected {_SLUG_HELP}"
                )
            elif value in seen:
                self.r.error(
                    line,
                    f"'{value}' is listed twice in '{key}' of {self.what} "
                    f"(first at line {seen[value]}), expected each once",
                )
            else:
                seen[value] = line
                result.append((value, line))
        return result


def _sorted(errors: list[ContentError]) -> list[ContentError]:
    return sorted(errors, key=lambda e: (e.path, e.line or 0))


def _unique(
    r: _Reader, seen: dict[str, int], value: str | None, line: int, what: str, where: str = ""
) -> None:
    """Record ``value`` as used at ``line``; report it if it was used before."""
    if value is None:
        return
    if value in seen:
        place = f" in {where}" if where else ""
        r.error(
            line,
            f"duplicate {what} '{value}'{place} (first at line {seen[value]}), "
            "expected each to be different",
        )
    else:
        seen[value] = line


def _check_format(r: _Reader, fields: _Map) -> None:
    value = fields.get("format")
    if value is not None and (
        value.kind != "scalar" or value.value != FORMAT or isinstance(value.value, bool)
    ):
        r.error(value.line, f"unsupported format {_kind(value)}, expected format: {FORMAT}")


def _check_sources(
    r: _Reader, cited: list[tuple[str, int]], course: Course | None, what: str
) -> None:
    if course is None:
        return
    known = [s.id for s in course.sources]
    for source, line in cited:
        if source not in known:
            close = difflib.get_close_matches(source, known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            r.error(
                line,
                f"{what} cites source '{source}', which course.yml does not list{hint}, "
                "expected the id of a source in course.yml",
            )


# --- course.yml ------------------------------------------------------------------------------


def _read_course(r: _Reader, text: str) -> tuple[Course, dict[tuple[str, str], int]]:
    """Read course.yml; return the course (no modules yet) and the line of each track module."""
    track_lines: dict[tuple[str, str], int] = {}
    root = r.yaml(text)
    empty = Course("", "", "", (), (), (), text)
    if root is None:
        return empty, track_lines
    fields = r.mapping(root, "course.yml", _COURSE_KEYS, _COURSE_KEYS)
    if fields is None:
        return empty, track_lines
    _check_format(r, fields)
    slug = fields.slug("slug") or ""
    path = Path(r.path)
    if path.name == COURSE_FILE and path.parent.name and slug and slug != path.parent.name:
        r.error(
            fields.line("slug"),
            f"course slug '{slug}' does not match its folder '{path.parent.name}', "
            f"expected slug: {path.parent.name}",
        )
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for item in fields.seq("sources", 1, noun="sources"):
        source = r.mapping(item, "a source", _SOURCE_KEYS, ("id", "title", "publisher"))
        if source is None:
            continue
        source_id = source.slug("id", "source id")
        _unique(r, seen, source_id, source.line("id"), "source id")
        url = source.text("url", required=False)
        if url is not None and not url.startswith(("https://", "http://")):
            r.error(
                source.line("url"), f"source url '{url}' is not a web address, expected https://..."
            )
        sources.append(
            Source(
                id=source_id or "",
                title=source.text("title") or "",
                publisher=source.text("publisher") or "",
                year=source.integer("year", 1000, 2999),
                url=url,
            )
        )
    tracks: list[Track] = []
    seen = {}
    for item in fields.seq("tracks", 1, noun="tracks"):
        track = r.mapping(item, "a track", _TRACK_KEYS, ("slug", "title", "audience", "modules"))
        if track is None:
            continue
        track_slug = track.slug("slug") or ""
        _unique(r, seen, track_slug, track.line("slug"), "track slug")
        lenses = _lenses(r, track, "lenses")
        modules = track.slugs("modules", 1)
        for module, line in modules:
            track_lines[(track_slug, module)] = line
        tracks.append(
            Track(
                slug=track_slug,
                title=track.text("title") or "",
                audience=track.text("audience") or "",
                modules=tuple(m for m, _ in modules),
                lenses=lenses,
                certificate_validity_months=track.integer(
                    "certificate_validity_months",
                    1,
                    600,
                    hint=" (omit it for certificates that do not expire)",
                ),
            )
        )
    course = Course(
        slug=slug,
        title=fields.text("title") or "",
        summary=fields.text("summary") or "",
        sources=tuple(sources),
        tracks=tuple(tracks),
        modules=(),
        source_text=text,
    )
    return course, track_lines


def _lenses(r: _Reader, fields: _Map, key: str) -> frozenset[str]:
    lenses = set()
    for lens, line in fields.slugs(key, 0):
        if lens in LENSES:
            lenses.add(lens)
        else:
            r.error(line, f"unknown lens '{lens}', expected one of: {', '.join(LENSES)}")
    return frozenset(lenses)


def parse_course_text(text: str, path: str) -> Course:
    """Parse the text of a course.yml (the course has no modules yet).

    :raises ContentErrors: every problem in the file.
    """
    r = _Reader(path)
    course, _ = _read_course(r, text)
    r.raise_errors()
    return course


# --- module files ----------------------------------------------------------------------------


def _split_front_matter(r: _Reader, text: str) -> tuple[str, str, int] | None:
    """Return (front matter, body, file line of the body's first line)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        r.error(1, "a module file starts with YAML front matter, expected '---' on line 1")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    r.error(1, "the front matter is never closed, expected a line '---' after it")
    return None


def _read_module(r: _Reader, text: str, course: Course | None) -> Module:
    name = Path(r.path).name
    match = MODULE_FILE_RE.fullmatch(name)
    number, file_slug = (int(match.group(1)), match.group(2)) if match else (0, None)
    if match is None or not is_slug(file_slug or ""):
        r.error(
            None,
            f"module file name '{name}' is not valid, expected NN-<module-slug>.md "
            "(two digits, a hyphen, then the module's slug)",
        )
    empty = Module("", number, "", 0, (), (), None, "", text, r.path)
    parts = _split_front_matter(r, text)
    if parts is None:
        return empty
    front, body, body_line = parts
    root = r.yaml(front, offset=1)
    if root is None:
        return empty
    required = tuple(k for k in _MODULE_KEYS if k != "content_note")
    fields = r.mapping(root, "the front matter", _MODULE_KEYS, required)
    if fields is None:
        return empty
    slug = fields.slug("slug")
    if slug and is_slug(slug) and file_slug and slug != file_slug:
        r.error(
            fields.line("slug"),
            f"slug '{slug}' does not match the file name '{name}', expected slug: {file_slug}",
        )
    sources = fields.slugs("sources", 1)
    _check_sources(r, sources, course, "the module")
    if not body.strip():
        r.error(body_line, "the module has no body, expected Markdown text after the front matter")
    _, problems = split_lens_blocks(body, first_line=body_line)
    for problem in problems:
        r.error(problem.line, problem.message)
    return Module(
        slug=slug or "",
        number=number,
        title=fields.text("title") or "",
        minutes=fields.integer("minutes", 1, 120) or 0,
        objectives=tuple(o for o, _ in fields.texts("objectives", 1, 8)),
        sources=tuple(s for s, _ in sources),
        content_note=fields.text("content_note", required=False),
        body=body,
        source_text=text,
        path=r.path,
    )


def parse_module_text(text: str, path: str, course: Course | None = None) -> Module:
    """Parse the text of a module file ``NN-<slug>.md`` (its number comes from ``path``).

    With ``course``, the sources cited are checked against the course's list.

    :raises ContentErrors: every problem in the file.
    """
    r = _Reader(path)
    module = _read_module(r, text, course)
    r.raise_errors()
    return module


# --- quiz files ------------------------------------------------------------------------------


def _read_quiz(
    r: _Reader, text: str, course: Course | None, module_slugs: set[str] | None = None
) -> Quiz:
    empty = Quiz("", 0, (), None, None, text, r.path)
    root = r.yaml(text)
    if root is None:
        return empty
    required = ("format", "module", "pass_mark", "questions")
    fields = r.mapping(root, "the quiz", _QUIZ_KEYS, required)
    if fields is None:
        return empty
    _check_format(r, fields)
    module = fields.slug("module")
    path = Path(r.path)
    if module and path.suffix == ".yml" and module != path.stem:
        r.error(
            fields.line("module"),
            f"module '{module}' does not match the file name '{path.name}', "
            f"expected module: {path.stem}",
        )
    elif (
        module
        and course is not None
        and course.module(module) is None
        and module not in (module_slugs or ())
    ):
        r.error(
            fields.line("module"),
            f"quiz for unknown module '{module}', expected the slug of a module of "
            f"course '{course.slug}'",
        )
    pass_mark = fields.integer("pass_mark", 1, 100, hint=" (a percentage)")
    draw = fields.integer("draw", 1, hint=" (omit it to show every question)")
    max_attempts = fields.integer("max_attempts", 0, hint=" (0 for unlimited)")
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for item in fields.seq("questions", 1, noun="questions"):
        question = _read_question(r, item, course)
        if question is not None:
            _unique(r, seen, question.id or None, item.line, "question id")
            questions.append(question)
    return Quiz(
        module=module or "",
        pass_mark=pass_mark or 0,
        questions=tuple(questions),
        draw=draw,
        max_attempts=max_attempts or None,
        source_text=text,
        path=r.path,
    )


def _question_type(r: _Reader, node: _Node) -> str | None:
    type_node = node.entries.get("type") if node.kind == "map" else None
    if type_node is None or type_node.kind != "scalar" or type_node.is_null:
        return None
    value = type_node.raw.strip()
    if value not in QUESTION_TYPES:
        close = difflib.get_close_matches(value.replace("-", "_"), QUESTION_TYPES, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        r.error(
            type_node.line,
            f"unknown question type '{value}'{hint}, expected one of: {', '.join(QUESTION_TYPES)}",
        )
        return None
    return value


def _read_question(r: _Reader, node: _Node, course: Course | None) -> Question | None:
    type_ = _question_type(r, node)
    raw_id = node.entries.get("id") if node.kind == "map" else None
    label = f"question '{raw_id.raw}'" if raw_id is not None and raw_id.raw else "a question"
    if type_ == "branching":
        allowed = _QUESTION_KEYS + _BRANCHING_KEYS
        elsewhere = {"options": "a branching question has steps and outcomes, not options"}
        required: tuple[str, ...] = ("id", "type", "stem", "explanation", "sources")
        required += _BRANCHING_KEYS
    elif type_ is not None:
        allowed = _QUESTION_KEYS + _OPTION_KEYS
        elsewhere = dict.fromkeys(_BRANCHING_KEYS, "only branching questions have it")
        required = ("id", "type", "stem", "explanation", "sources", "options")
    else:
        allowed = _QUESTION_KEYS + _OPTION_KEYS + _BRANCHING_KEYS
        elsewhere = {}
        required = ("id", "type", "stem", "explanation", "sources")
    fields = r.mapping(node, label, allowed, required, elsewhere)
    if fields is None:
        return None
    question_id = fields.slug("id", "question id") or ""
    sources = fields.slugs("sources", 1)
    _check_sources(r, sources, course, label)
    tracks = fields.slugs("tracks", 0)
    if course is not None:
        known = [t.slug for t in course.tracks]
        for track, line in tracks:
            if track not in known:
                r.error(
                    line,
                    f"{label} names unknown track '{track}', expected one of: {', '.join(known)}",
                )
    options: tuple[Option, ...] = ()
    start, steps, outcomes = None, (), ()
    if type_ == "branching":
        start, steps, outcomes = _read_branching(r, fields, label)
    elif type_ is not None:
        options = _read_options(r, fields, type_, label)
    return Question(
        id=question_id,
        type=type_ or "",
        stem=fields.text("stem") or "",
        options=options,
        explanation=fields.text("explanation") or "",
        sources=tuple(s for s, _ in sources),
        points=fields.integer("points", 1, 100) or 1,
        scenario=fields.boolean("scenario"),
        possible_victim=fields.boolean("possible_victim"),
        lenses=_lenses(r, fields, "lenses"),
        tracks=frozenset(t for t, _ in tracks),
        start=start,
        steps=steps,
        outcomes=outcomes,
    )


def _read_options(r: _Reader, fields: _Map, type_: str, label: str) -> tuple[Option, ...]:
    low, high = _OPTION_COUNTS[type_]
    noun = "items" if type_ == "ordering" else "options"
    options: list[Option] = []
    seen: dict[str, int] = {}
    correct_lines: list[int] = []
    allowed = (
        ("id", "text", "feedback") if type_ == "ordering" else ("id", "text", "feedback", "correct")
    )
    required = ("id", "feedback") if type_ == "true_false" else ("id", "text", "feedback")
    elsewhere = (
        {"correct": "list the items in the correct order instead"} if type_ == "ordering" else None
    )
    for item in fields.seq("options", low, high, noun=noun):
        what = f"an option of {label}"
        option = r.mapping(item, what, allowed, required, elsewhere)
        if option is None:
            continue
        option_id = option.slug("id", "option id")
        _unique(r, seen, option_id, option.line("id"), "option id", label)
        is_correct = option.boolean("correct")
        if is_correct:
            correct_lines.append(option.line("correct"))
        text = option.text("text", required=type_ != "true_false")
        if type_ == "true_false":
            if option_id is not None and option_id not in ("true", "false"):
                r.error(
                    option.line("id"),
                    f"a true_false option has id '{option_id}', expected 'true' or 'false'",
                )
            text = text or (option_id or "").capitalize()
        options.append(
            Option(option_id or "", text or "", option.text("feedback") or "", is_correct)
        )
    if type_ == "true_false" and len(options) == 2 and {o.id for o in options} != {"true", "false"}:
        if all(o.id in ("true", "false") for o in options):
            r.error(
                fields.line("options"),
                f"{label} has the same option twice, expected one 'true' and one 'false'",
            )
    if type_ in ("single", "true_false", "multiple") and fields.get("options") is not None:
        line = fields.line("options")
        if not correct_lines:
            expected = "at least one" if type_ == "multiple" else "exactly one"
            r.error(
                line,
                f"{label} has no correct option, expected {expected} option with correct: true",
            )
        elif len(correct_lines) > 1 and type_ != "multiple":
            r.error(
                correct_lines[1],
                f"{label} has {len(correct_lines)} correct options, expected exactly one "
                "(use type: multiple for 'select all that apply')",
            )
    return tuple(options)


def _read_branching(
    r: _Reader, fields: _Map, label: str
) -> tuple[str | None, tuple[Step, ...], tuple[Outcome, ...]]:
    start = fields.slug("start", "step id")
    ids: dict[str, int] = {}
    steps: list[Step] = []
    # (step id, choice id, next, line of next) for the graph checks below
    links: list[tuple[str, str, str, int]] = []
    step_lines: dict[str, int] = {}
    for item in fields.seq("steps", 1, noun="steps"):
        step = r.mapping(
            item, f"a step of {label}", ("id", "prompt", "choices"), ("id", "prompt", "choices")
        )
        if step is None:
            continue
        step_id = step.slug("id", "step id")
        _unique(r, ids, step_id, step.line("id"), "step or outcome id", label)
        if step_id is not None:
            step_lines.setdefault(step_id, step.line("id"))
        choices: list[Choice] = []
        seen: dict[str, int] = {}
        what = f"step '{step_id}' of {label}"
        step.what = what
        for choice_node in step.seq("choices", 2, 6, noun="choices"):
            choice = r.mapping(
                choice_node,
                f"a choice of {what}",
                ("id", "text", "feedback", "next"),
                ("id", "text", "feedback", "next"),
            )
            if choice is None:
                continue
            choice_id = choice.slug("id", "choice id")
            _unique(r, seen, choice_id, choice.line("id"), "choice id", what)
            target = choice.slug("next", "step or outcome id")
            if step_id and choice_id and target:
                links.append((step_id, choice_id, target, choice.line("next")))
            choices.append(
                Choice(
                    choice_id or "",
                    choice.text("text") or "",
                    choice.text("feedback") or "",
                    target or "",
                )
            )
        steps.append(Step(step_id or "", step.text("prompt") or "", tuple(choices)))
    outcomes: list[Outcome] = []
    outcome_lines: dict[str, int] = {}
    for item in fields.seq("outcomes", 1, noun="outcomes"):
        outcome = r.mapping(
            item, f"an outcome of {label}", ("id", "text", "score"), ("id", "text", "score")
        )
        if outcome is None:
            continue
        outcome_id = outcome.slug("id", "outcome id")
        _unique(r, ids, outcome_id, outcome.line("id"), "step or outcome id", label)
        if outcome_id is not None:
            outcome_lines.setdefault(outcome_id, outcome.line("id"))
        score = outcome.number("score", 0, 1)
        outcomes.append(
            Outcome(
                outcome_id or "", outcome.text("text") or "", score if score is not None else 0.0
            )
        )
    if fields.get("outcomes") is not None and outcomes and not any(o.score == 1 for o in outcomes):
        r.error(
            fields.line("outcomes"),
            f"no outcome of {label} scores 1, expected at least one outcome with score: 1",
        )
    _check_graph(r, label, start, fields.line("start"), step_lines, outcome_lines, links)
    return start, tuple(steps), tuple(outcomes)


def _check_graph(
    r: _Reader,
    label: str,
    start: str | None,
    start_line: int,
    step_lines: dict[str, int],
    outcome_lines: dict[str, int],
    links: list[tuple[str, str, str, int]],
) -> None:
    """Check every next names a node, every node is reachable, and no path loops."""
    targets = sorted(step_lines) + sorted(outcome_lines)
    graph: dict[str, list[tuple[str, str, int]]] = {s: [] for s in step_lines}
    is_dangling = False
    for step, choice, target, line in links:
        if target not in step_lines and target not in outcome_lines:
            is_dangling = True
            close = difflib.get_close_matches(target, targets, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            r.error(
                line,
                f"choice '{choice}' of step '{step}' leads to '{target}', which is no step or "
                f"outcome of {label}{hint}, expected one of: {', '.join(targets)}",
            )
        elif step in graph:
            graph[step].append((choice, target, line))
    if start is None:
        return
    if start not in step_lines:
        if start in outcome_lines:
            r.error(
                start_line, f"start '{start}' of {label} is an outcome, expected the id of a step"
            )
        else:
            r.error(
                start_line,
                f"start '{start}' of {label} names no step, "
                f"expected one of: {', '.join(sorted(step_lines))}",
            )
        return
    # Depth-first walk from start: a link back to a step on the current path is a loop.
    reached: set[str] = {start}
    on_path: set[str] = set()

    def visit(step: str) -> None:
        on_path.add(step)
        for choice, target, line in graph.get(step, []):
            if target in on_path:
                r.error(
                    line,
                    f"choice '{choice}' of step '{step}' leads back to step '{target}', making a "
                    "loop, expected every path to end at an outcome",
                )
                continue
            if target in reached:
                continue
            reached.add(target)
            if target in graph:
                visit(target)
        on_path.discard(step)

    visit(start)
    if is_dangling:
        return  # a mistyped next leaves its target unreached: one error is enough
    for step, line in step_lines.items():
        if step not in reached:
            r.error(
                line,
                f"step '{step}' of {label} cannot be reached from start '{start}', "
                "expected a choice leading to it",
            )
    for outcome, line in outcome_lines.items():
        if outcome not in reached:
            r.error(
                line,
                f"outcome '{outcome}' of {label} cannot be reached from start '{start}', "
                "expected a choice leading to it",
            )


def parse_quiz_text(text: str, path: str, course: Course | None) -> Quiz:
    """Parse the text of a quiz file ``<module-slug>.yml`` of ``course``.

    With ``course`` None the quiz alone is checked (its module and sources are not): for
    stored versions, which were checked against their course when they were saved.

    :raises ContentErrors: every problem in the file.
    """
    r = _Reader(path)
    quiz = _read_quiz(r, text, course)
    r.raise_errors()
    return quiz


# --- files and folders -----------------------------------------------------------------------


def _read_file(path: Path, errors: list[ContentError]) -> str | None:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(
            ContentError(str(path), None, f"not UTF-8 text ({exc.reason}), expected a UTF-8 file")
        )
    except OSError as exc:
        errors.append(ContentError(str(path), None, f"cannot be read: {exc.strerror}"))
    return None


def _visible(folder: Path) -> Iterator[Path]:
    """Yield the entries of ``folder`` in name order, without hidden ones."""
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def _load_course(course_dir: Path, errors: list[ContentError]) -> tuple[Course, dict[str, Quiz]]:
    course_path = course_dir / COURSE_FILE
    r = _Reader(str(course_path))
    if not course_path.is_file():
        r.error(
            None,
            f"the course folder '{course_dir.name}' has no {COURSE_FILE}, "
            f"expected courses/{course_dir.name}/{COURSE_FILE}",
        )
        text = None
    else:
        text = _read_file(course_path, r.errors)
    course, track_lines = _read_course(r, text) if text is not None else (None, {})
    errors.extend(r.errors)
    is_course_valid = course is not None and not r.errors
    course_for_checks = course if is_course_valid else None

    modules: list[Module] = []
    numbers: dict[int, str] = {}
    slugs: dict[str, str] = {}
    # Slugs from module file names, so a module whose file is broken is not also "missing".
    file_slugs: set[str] = set()
    for path in _visible(course_dir):
        if path.is_dir() or path.name == COURSE_FILE:
            continue
        name_match = MODULE_FILE_RE.fullmatch(path.name)
        if name_match:
            file_slugs.add(name_match.group(2))
        if path.suffix in (".yml", ".yaml"):
            errors.append(
                ContentError(
                    str(path),
                    None,
                    f"unexpected YAML file, expected only {COURSE_FILE} here "
                    "(quizzes go in quizzes/)",
                )
            )
            continue
        if path.suffix != ".md":
            continue  # images and other assets
        module_text = _read_file(path, errors)
        if module_text is None:
            continue
        mr = _Reader(str(path))
        module = _read_module(mr, module_text, course_for_checks)
        errors.extend(mr.errors)
        if mr.errors:
            continue
        if module.number in numbers:
            errors.append(
                ContentError(
                    str(path),
                    None,
                    f"module number {module.number:02d} is also used by "
                    f"{numbers[module.number]}, expected each module its own number",
                )
            )
        if module.slug in slugs:
            errors.append(
                ContentError(
                    str(path),
                    None,
                    f"module slug '{module.slug}' is also used by {slugs[module.slug]}, "
                    "expected each module its own slug",
                )
            )
        numbers.setdefault(module.number, path.name)
        slugs.setdefault(module.slug, path.name)
        modules.append(module)
    modules.sort(key=lambda m: m.number)

    slug = course.slug if course is not None and course.slug else course_dir.name
    if course is not None and is_course_valid:
        course = dataclasses.replace(course, modules=tuple(modules))
        for track in course.tracks:
            for module_slug in track.modules:
                if course.module(module_slug) is None and module_slug not in file_slugs:
                    errors.append(
                        ContentError(
                            str(course_path),
                            track_lines.get((track.slug, module_slug)),
                            f"track '{track.slug}' lists module '{module_slug}', "
                            f"which has no file, expected a file "
                            f"courses/{slug}/NN-{module_slug}.md",
                        )
                    )

    quizzes: dict[str, Quiz] = {}
    quiz_stems: set[str] = set()
    quiz_dir = course_dir.parent.parent / "quizzes" / slug
    for path in _visible(quiz_dir):
        if path.is_dir():
            continue
        if path.suffix == ".yaml":
            errors.append(
                ContentError(str(path), None, "quiz files end in .yml, expected a .yml file")
            )
            continue
        if path.suffix != ".yml":
            continue
        quiz_text = _read_file(path, errors)
        if quiz_text is None:
            continue
        qr = _Reader(str(path))
        quiz = _read_quiz(qr, quiz_text, course if is_course_valid else None, file_slugs)
        errors.extend(qr.errors)
        quiz_stems.add(path.stem)
        if not qr.errors:
            quizzes[quiz.module] = quiz
    if is_course_valid:
        for module in modules:
            if module.slug not in quiz_stems:
                errors.append(
                    ContentError(
                        module.path,
                        None,
                        f"module '{module.slug}' has no quiz, expected a file "
                        f"quizzes/{slug}/{module.slug}.yml",
                    )
                )
    assert course is not None or errors
    return course or Course(slug, "", "", (), (), (), ""), quizzes


def load_course(course_dir: Path) -> tuple[Course, dict[str, Quiz]]:
    """Load one course folder and its quizzes (from ``<root>/quizzes/<course-slug>/``).

    :returns: the course and its quizzes by module slug.
    :raises ContentErrors: every problem found; nothing is returned then.
    """
    errors: list[ContentError] = []
    course, quizzes = _load_course(Path(course_dir), errors)
    if errors:
        raise ContentErrors(_sorted(errors))
    return course, quizzes


def load_tree(root: Path) -> list[tuple[Course, dict[str, Quiz]]]:
    """Load every course under ``root/courses`` with its quizzes under ``root/quizzes``.

    :raises ContentErrors: every problem in every file; nothing is returned then.
    """
    root = Path(root)
    courses_dir = root / "courses"
    errors: list[ContentError] = []
    loaded: list[tuple[Course, dict[str, Quiz]]] = []
    if not courses_dir.is_dir():
        raise ContentErrors(
            [
                ContentError(
                    str(courses_dir),
                    None,
                    "no courses folder, expected courses/<course-slug>/course.yml",
                )
            ]
        )
    folders = [p for p in _visible(courses_dir) if p.is_dir()]
    for folder in folders:
        loaded.append(_load_course(folder, errors))
    if not folders:
        errors.append(
            ContentError(
                str(courses_dir), None, "no course found, expected courses/<course-slug>/course.yml"
            )
        )
    names = {p.name for p in folders}
    for folder in _visible(root / "quizzes"):
        if folder.is_dir() and folder.name not in names:
            errors.append(
                ContentError(
                    str(folder),
                    None,
                    f"quizzes for unknown course '{folder.name}', "
                    f"expected a folder courses/{folder.name}/",
                )
            )
    if errors:
        raise ContentErrors(_sorted(errors))
    return loaded


def check_path(root: Path | str) -> list[ContentError]:
    """Return every problem in a content tree, a course folder or a course.yml (empty if valid)."""
    path = Path(root)
    try:
        if path.is_file() and path.name == COURSE_FILE:
            load_course(path.parent)
        elif (path / COURSE_FILE).is_file():
            load_course(path)
        else:
            load_tree(path)
    except ContentErrors as exc:
        return exc.errors
    return []
