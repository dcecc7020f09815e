"""Core objects and plain data back to file text: the inverse of the loader.

The authoring editor builds course, module and quiz files from form fields, then checks
them with the loader like any other file. :func:`emit_yaml` writes the small subset of YAML
the content format uses and remembers the line of every key and list item, so a loader
error at a line can be shown beside the form field that line came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import yaml

from learn.core.course import FORMAT, Course, Module
from learn.core.quiz import Question, Quiz

#: A place in a YAML document: keys and list indexes from the top, e.g.
#: ("questions", 2, "options", 0, "feedback").
YamlPath = tuple[str | int, ...]

_FLOW_ITEM_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_MISSING_KEY_RE = re.compile(r"has no '([a-z_]+)' key")


@dataclass
class Emitted:
    """YAML text and the line (1-based, offset applied) each path starts on."""

    text: str
    lines: dict[YamlPath, int] = field(default_factory=dict)

    def path_at(self, line: int | None, message: str = "") -> YamlPath | None:
        """Return the path whose text holds ``line`` (the deepest one starting there).

        A "has no 'key'" message names a key that is missing from the mapping on that line;
        the path returned is then that key's place in the mapping.
        """
        if line is None:
            return None
        best: YamlPath | None = None
        best_line = 0
        for path, start in self.lines.items():
            if start > line or start < best_line:
                continue
            if start > best_line or best is None or len(path) > len(best):
                best, best_line = path, start
        if best is None:
            return None
        missing = _MISSING_KEY_RE.search(message)
        if missing and best_line == line and isinstance(best[-1], str):
            return (*best[:-1], missing.group(1))
        return best


def _plain_or_quoted(value: str) -> str:
    """Return ``value`` as a one-line YAML scalar: plain when safe, else quoted."""
    dumped = yaml.safe_dump(value, width=1_000_000, allow_unicode=True)
    for end in ("\n...\n", "\n"):
        if dumped.endswith(end):
            dumped = dumped[: -len(end)]
            break
    if "\n" not in dumped:
        try:
            if yaml.safe_load(dumped) == value:
                return dumped
        except yaml.YAMLError:
            pass
    # JSON strings are valid YAML double-quoted scalars, always on one line.
    return json.dumps(value, ensure_ascii=False)


def scalar(value: object) -> str:
    """Return a one-line YAML scalar for a string, number or boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if value is None:
        return '""'
    return _plain_or_quoted(str(value))


def normalise_text(value: str) -> str:
    """Return text with LF line ends, no trailing spaces on lines, and no outer blank lines."""
    lines = [line.rstrip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n").strip()


def _block(value: str, indent: int) -> list[str] | None:
    """Return the lines of a literal block (``|-``) for multi-line text, or None if unsafe."""
    text = normalise_text(value)
    if "\n" not in text or text[:1].isspace():
        return None
    pad = " " * indent
    lines = [pad + line if line else "" for line in text.split("\n")]
    try:
        if yaml.safe_load("k: |-\n" + "\n".join(lines)) != {"k": text}:
            return None
    except yaml.YAMLError:
        return None
    return lines


def _is_flow_list(items: list) -> bool:
    return all(isinstance(i, str) and _FLOW_ITEM_RE.match(i) for i in items)


class _Writer:
    def __init__(self, offset: int) -> None:
        self.out: list[str] = []
        self.lines: dict[YamlPath, int] = {}
        self.offset = offset

    def record(self, path: YamlPath) -> None:
        self.lines.setdefault(path, len(self.out) + 1 + self.offset)

    def mapping(self, data: dict, indent: int, path: YamlPath, first: str | None = None) -> None:
        for index, (key, value) in enumerate(data.items()):
            prefix = first if index == 0 and first is not None else " " * indent
            self.record((*path, key))
            self.value(key, value, prefix, indent, (*path, key))

    def value(self, key: str, value: object, prefix: str, indent: int, path: YamlPath) -> None:
        if isinstance(value, dict):
            self.out.append(f"{prefix}{key}:")
            self.mapping(value, indent + 2, path)
        elif isinstance(value, list | tuple):
            items = list(value)
            if not items:
                self.out.append(f"{prefix}{key}: []")
            elif _is_flow_list(items):
                self.out.append(f"{prefix}{key}: [{', '.join(scalar(i) for i in items)}]")
            else:
                self.out.append(f"{prefix}{key}:")
                for number, item in enumerate(items):
                    self.record((*path, number))
                    dash = " " * (indent + 2) + "- "
                    if isinstance(item, dict):
                        self.mapping(item, indent + 4, (*path, number), first=dash)
                    else:
                        self.out.append(dash + scalar(item))
        elif isinstance(value, str) and "\n" in normalise_text(value):
            block = _block(value, indent + 2)
            if block is None:
                self.out.append(f"{prefix}{key}: {scalar(value)}")
            else:
                self.out.append(f"{prefix}{key}: |-")
                self.out.extend(block)
        else:
            self.out.append(f"{prefix}{key}: {scalar(value)}")


def emit_yaml(data: dict, offset: int = 0) -> Emitted:
    """Write ``data`` (dicts, lists, strings, numbers, booleans) as block-style YAML.

    :param offset: lines before the YAML in its file (1 for module front matter).
    """
    writer = _Writer(offset)
    writer.mapping(data, 0, ())
    return Emitted("\n".join(writer.out) + "\n", writer.lines)


# --- courses -------------------------------------------------------------------------------


def course_data(course: Course) -> dict:
    """Return the keys of ``course.yml`` for ``course``."""
    sources = []
    for source in course.sources:
        entry: dict = {"id": source.id, "title": source.title, "publisher": source.publisher}
        if source.year is not None:
            entry["year"] = source.year
        if source.url:
            entry["url"] = source.url
        sources.append(entry)
    tracks = []
    for track in course.tracks:
        entry = {
            "slug": track.slug,
            "title": track.title,
            "audience": track.audience,
            "lenses": [lens for lens in ("gender", "age") if lens in track.lenses],
        }
        if track.certificate_validity_months:
            entry["certificate_validity_months"] = track.certificate_validity_months
        entry["modules"] = list(track.modules)
        tracks.append(entry)
    return {
        "format": FORMAT,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "sources": sources,
        "tracks": tracks,
    }


# --- modules -------------------------------------------------------------------------------


def module_front(module: Module) -> dict:
    """Return the front matter keys of ``module``."""
    front: dict = {
        "slug": module.slug,
        "title": module.title,
        "minutes": module.minutes,
        "objectives": list(module.objectives),
        "sources": list(module.sources),
    }
    if module.content_note:
        front["content_note"] = module.content_note
    return front


def module_text(front: dict, body: str) -> tuple[str, Emitted, int]:
    """Return a module file's text, its front matter lines, and the file line the body starts.

    ``front`` holds the front matter keys in order; ``body`` is Markdown.
    """
    emitted = emit_yaml(front, offset=1)
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    head = "---\n" + emitted.text + "---\n"
    body_line = head.count("\n") + 1
    return head + body + "\n", emitted, body_line


# --- quizzes -------------------------------------------------------------------------------


def question_data(question: Question) -> dict:
    """Return the keys of one question, in the order the format documents them."""
    data: dict = {"id": question.id, "type": question.type}
    if question.scenario:
        data["scenario"] = True
    if question.possible_victim:
        data["possible_victim"] = True
    if question.lenses:
        data["lenses"] = sorted(question.lenses)
    if question.tracks:
        data["tracks"] = sorted(question.tracks)
    if question.points != 1:
        data["points"] = question.points
    data["stem"] = question.stem
    if question.type == "branching":
        data["start"] = question.start or ""
        data["steps"] = [
            {
                "id": step.id,
                "prompt": step.prompt,
                "choices": [
                    {"id": c.id, "text": c.text, "feedback": c.feedback, "next": c.next}
                    for c in step.choices
                ],
            }
            for step in question.steps
        ]
        data["outcomes"] = [
            {"id": o.id, "text": o.text, "score": o.score} for o in question.outcomes
        ]
    else:
        data["options"] = [option_data(question.type, o) for o in question.options]
    data["explanation"] = question.explanation
    data["sources"] = list(question.sources)
    return data


def option_data(question_type: str, option) -> dict:
    """Return the keys of one option (or ordering item)."""
    data: dict = {"id": option.id}
    if question_type != "true_false" or option.text.lower() != option.id:
        data["text"] = option.text
    if question_type != "ordering" and option.correct:
        data["correct"] = True
    data["feedback"] = option.feedback
    return data


def quiz_data(quiz: Quiz) -> dict:
    """Return the keys of a quiz file."""
    data: dict = {"format": FORMAT, "module": quiz.module, "pass_mark": quiz.pass_mark}
    if quiz.draw is not None:
        data["draw"] = quiz.draw
    if quiz.max_attempts:
        data["max_attempts"] = quiz.max_attempts
    data["questions"] = [question_data(q) for q in quiz.questions]
    return data


def quiz_settings(data: dict) -> dict:
    """Return the quiz-level keys of quiz ``data`` (everything but the questions)."""
    return {k: v for k, v in data.items() if k != "questions"}


def with_questions(settings: dict, questions: Iterable[dict]) -> dict:
    """Return quiz data from its settings and questions, keys in the documented order."""
    data = {k: settings[k] for k in ("format", "module", "pass_mark") if k in settings}
    for key in ("draw", "max_attempts"):
        if settings.get(key) is not None:
            data[key] = settings[key]
    data["questions"] = list(questions)
    return data
