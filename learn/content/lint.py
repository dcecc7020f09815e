"""Warnings about content that loads but could be clearer or more accessible.

Lint never blocks an import: it returns :class:`ContentError` values to show as warnings
(``learn content check`` prints them after the errors; the editor shows them beside the text).
"""

from __future__ import annotations

import re
from pathlib import Path

from learn.content.loader import COURSE_FILE, load_course, load_tree
from learn.core.course import Course, Module, lenses_in
from learn.core.errors import ContentError
from learn.core.quiz import Question, Quiz

#: Reading grade (Flesch-Kincaid) above which a module gets a warning.
MAX_GRADE = 12.0
#: Link texts that say nothing out of context (screen-reader users often list links).
VAGUE_LINK_TEXTS = frozenset(
    {"here", "click here", "read more", "more", "link", "this", "this link", "click"}
)
HELP_LINK_RE = re.compile(r"\]\(\s*/help[\s)#?]|href=[\"']?/help[\"'#?\s>]")

_FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING_RE = re.compile(r"^(#{1,6})\s+\S")
_MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(")
_HTML_IMG_RE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ALT_RE = re.compile(r"\balt\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_MD_LINK_RE = re.compile(r"(?<!!)\[([^\]]+)\]\(")
_HTML_LINK_RE = re.compile(r"<a\b[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_WORD_RE = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END_RE = re.compile(r"[.!?]+(?:\s|$)")
_VOWELS_RE = re.compile(r"[aeiouy]+")


def _body_lines(module: Module) -> list[tuple[int, str]]:
    """Return (file line, text) for each body line outside fenced code and lens markers."""
    first = module.source_text.count("\n") - module.body.count("\n") + 1
    lines = []
    fence: str | None = None
    for number, line in enumerate(module.body.split("\n"), start=first):
        stripped = line.strip()
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
            continue
        match = _FENCE_RE.match(line)
        if match:
            fence = match.group(1)
            continue
        if stripped.startswith(":::"):
            continue
        lines.append((number, line))
    return lines


def syllables(word: str) -> int:
    """Return an estimate of the syllables in an English word."""
    word = word.lower()
    count = len(_VOWELS_RE.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def reading_grade(text: str) -> float | None:
    """Return the Flesch-Kincaid grade of ``text`` (None when it has no words)."""
    words = _WORD_RE.findall(text)
    if not words:
        return None
    sentences = max(1, len(_SENTENCE_END_RE.findall(text)))
    syllable_count = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syllable_count / len(words) - 15.59


def _prose(lines: list[tuple[int, str]]) -> str:
    """Return the paragraph text of body lines: no headings, tables, admonition titles or URLs."""
    kept = []
    for _, line in lines:
        stripped = line.strip()
        if _HEADING_RE.match(stripped) or stripped.startswith(("|", "!!!", "*[")):
            continue
        stripped = re.sub(r"\]\([^)]*\)", "]", stripped)  # link targets are not prose
        stripped = re.sub(r"<[^>]+>", " ", stripped)
        stripped = re.sub(r"^([-*+]|\d+\.)\s+", "", stripped)
        if stripped and not stripped.endswith((".", "!", "?", ":")):
            stripped += "."  # a list item or short line reads as its own sentence
        kept.append(stripped)
    return " ".join(kept)


def lint_module(module: Module, course: Course) -> list[ContentError]:
    """Return warnings for a module: missing alt text, heading levels, vague links, lenses."""
    warnings: list[ContentError] = []

    def warn(line: int | None, message: str) -> None:
        warnings.append(ContentError(module.path, line, message))

    lines = _body_lines(module)
    level = 1
    for number, line in lines:
        heading = _HEADING_RE.match(line)
        if heading:
            new = len(heading.group(1))
            if new == 1:
                warn(number, "a '#' heading in the body, expected '##' (the page title is the '#')")
            elif new > level + 1:
                warn(
                    number,
                    f"heading level {new} follows level {level}, expected level {level + 1} "
                    "or less (do not skip heading levels)",
                )
            level = new
        for alt in _MD_IMAGE_RE.findall(line):
            if not alt.strip():
                warn(number, "an image has no alt text, expected ![what it shows](...)")
        for tag in _HTML_IMG_RE.findall(line):
            alt_match = _ALT_RE.search(tag)
            if alt_match is None or not alt_match.group(1).strip("\"' "):
                warn(number, 'an <img> has no alt text, expected alt="what it shows"')
        texts = _MD_LINK_RE.findall(line) + _HTML_LINK_RE.findall(line)
        for text in texts:
            if re.sub(r"<[^>]+>|[*_`]", "", text).strip().lower() in VAGUE_LINK_TEXTS:
                warn(
                    number,
                    f"link text '{text}' says nothing out of context, expected words that "
                    "name where the link goes",
                )
    grade = reading_grade(_prose(lines))
    if grade is not None and grade > MAX_GRADE:
        warn(
            None,
            f"reading grade {grade:.1f} (Flesch-Kincaid) is above {MAX_GRADE:g}, expected "
            "shorter sentences and plainer words",
        )
    present = lenses_in(module.body)
    for track in course.tracks:
        if module.slug not in track.modules:
            continue
        for lens in sorted(track.lenses - present):
            warn(
                None,
                f"track '{track.slug}' turns the {lens} lens on, but the module has no "
                f"'::: lens {lens}' block, expected one",
            )
    return warnings


def _question_line(quiz: Quiz, question: Question) -> int | None:
    """Return the line of the question's ``- id:`` in the quiz file (the least indented one)."""
    pattern = re.compile(rf"^(\s*)-\s+id:\s*[\"']?{re.escape(question.id)}[\"']?\s*(#.*)?$")
    found = [
        (len(m.group(1)), number)
        for number, line in enumerate(quiz.source_text.split("\n"), start=1)
        if (m := pattern.match(line))
    ]
    return min(found)[1] if found else None


def _question_texts(question: Question) -> list[str]:
    texts = [question.stem, question.explanation]
    texts += [o.text for o in question.options] + [o.feedback for o in question.options]
    for step in question.steps:
        texts.append(step.prompt)
        texts += [c.text for c in step.choices] + [c.feedback for c in step.choices]
    texts += [o.text for o in question.outcomes]
    return texts


def lint_quiz(quiz: Quiz) -> list[ContentError]:
    """Return warnings for a quiz: a possible-victim question must link to the help page."""
    warnings = []
    for question in quiz.questions:
        if question.possible_victim and not any(
            HELP_LINK_RE.search(text) for text in _question_texts(question)
        ):
            warnings.append(
                ContentError(
                    quiz.path,
                    _question_line(quiz, question),
                    f"question '{question.id}' is about a possible victim but never links to "
                    "the help page, expected [Get help or report a concern](/help) in its "
                    "feedback or outcomes",
                )
            )
    return warnings


def lint_tree(tree: list[tuple[Course, dict[str, Quiz]]]) -> list[ContentError]:
    """Return the warnings for every module and quiz of loaded courses, in file order."""
    warnings: list[ContentError] = []
    for course, quizzes in tree:
        for module in course.modules:
            warnings.extend(lint_module(module, course))
            quiz = quizzes.get(module.slug)
            if quiz is not None:
                warnings.extend(lint_quiz(quiz))
    return sorted(warnings, key=lambda w: (w.path, w.line or 0))


def lint_path(root: Path | str) -> list[ContentError]:
    """Return the warnings for a content tree, a course folder or a course.yml.

    The files must load (``check_path`` finds nothing); ``learn content check --strict``
    fails on any warning returned here.

    :raises ContentErrors: the files do not load.
    """
    path = Path(root)
    if path.is_file() and path.name == COURSE_FILE:
        return lint_tree([load_course(path.parent)])
    if (path / COURSE_FILE).is_file():
        return lint_tree([load_course(path)])
    return lint_tree(load_tree(path))
