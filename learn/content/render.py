"""Markdown to sanitised HTML: the only module that imports ``markdown`` and ``bleach``.

Python-Markdown passes raw HTML, ``<script>`` and ``javascript:`` links through unchanged,
so everything it produces goes through :func:`sanitize` (an allow-list) before it is stored.
A module body is rendered once per version into a :class:`RenderedBody`: common segments and
lens segments, so a learner's page can leave out the lens blocks that are off for them.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping
from dataclasses import dataclass

import bleach
import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import unique
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from learn.core.course import split_lens_blocks

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b",
        "i", "a", "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td",
        "caption", "img", "div", "span", "dl", "dt", "dd", "abbr", "sup", "sub", "figure",
        "figcaption",
    }
)  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
#: The admonition types authors may use (``!!! note``); a div keeps its class only if every
#: word of it is here.
ADMONITION_CLASSES = frozenset(
    {"admonition", "note", "tip", "hint", "important", "warning", "caution", "danger", "example"}
)
_ID_RE = re.compile(r"^[\w-]+$")
_LANGUAGE_RE = re.compile(r"^language-[\w+-]+$")


def _heading_attribute(tag: str, name: str, value: str) -> bool:
    return name == "id" and _ID_RE.match(value) is not None


def _div_attribute(tag: str, name: str, value: str) -> bool:
    words = value.split()
    return name == "class" and bool(words) and set(words) <= ADMONITION_CLASSES


def _p_attribute(tag: str, name: str, value: str) -> bool:
    return name == "class" and value == "admonition-title"


def _code_attribute(tag: str, name: str, value: str) -> bool:
    return name == "class" and _LANGUAGE_RE.match(value) is not None


ALLOWED_ATTRIBUTES: dict[str, object] = {
    "a": ["href", "title"],
    # bleach drops any src or href whose scheme is not in ALLOWED_PROTOCOLS (so no data:).
    "img": ["src", "alt", "title", "width", "height"],
    "th": ["colspan", "rowspan", "scope"],
    "td": ["colspan", "rowspan", "scope"],
    "h2": _heading_attribute,
    "h3": _heading_attribute,
    "h4": _heading_attribute,
    "h5": _heading_attribute,
    "h6": _heading_attribute,
    "div": _div_attribute,
    "p": _p_attribute,
    "code": _code_attribute,
    "abbr": ["title"],
}

MARKDOWN_EXTENSIONS = ("tables", "attr_list", "admonition", "toc", "fenced_code", "sane_lists")

#: Labels of the lens asides, by lens. Pass ``labels`` to translate them.
LENS_LABELS: dict[str, str] = {
    "gender": "Gender lens",
    "age": "Age lens (children and young workers)",
}
#: Heading levels that go into a module's table of contents.
TOC_LEVELS = (2, 3)


def sanitize(html: str) -> Markup:
    """Return ``html`` with every tag, attribute and URL scheme not on the allow-lists removed."""
    cleaned = bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return Markup(cleaned)


@dataclass(frozen=True)
class TocEntry:
    """A heading of a module body, for its table of contents."""

    level: int
    id: str
    title: str
    lens: str | None


@dataclass(frozen=True)
class Segment:
    """Sanitised HTML of one part of a body: common (``lens`` None) or one lens block."""

    lens: str | None
    html: str


@dataclass(frozen=True)
class RenderedBody:
    """A rendered module body: its segments in order and its table of contents."""

    segments: tuple[Segment, ...]
    toc: tuple[TocEntry, ...]

    def to_json(self) -> str:
        """Return the body as JSON text, for storing in the database."""
        return json.dumps(
            {
                "segments": [{"lens": s.lens, "html": s.html} for s in self.segments],
                "toc": [
                    {"level": t.level, "id": t.id, "title": t.title, "lens": t.lens}
                    for t in self.toc
                ],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> RenderedBody:
        """Return the body stored by :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            segments=tuple(Segment(s["lens"], s["html"]) for s in data["segments"]),
            toc=tuple(TocEntry(t["level"], t["id"], t["title"], t["lens"]) for t in data["toc"]),
        )

    def html_for(self, lenses: frozenset[str], labels: Mapping[str, str] | None = None) -> Markup:
        """Return the HTML for a learner with ``lenses`` on; other lens blocks are left out.

        :param labels: lens labels to use instead of :data:`LENS_LABELS` (translations).
        """
        names = {**LENS_LABELS, **(labels or {})}
        parts: list[Markup] = []
        for segment in self.segments:
            if segment.lens is None:
                parts.append(Markup(segment.html))
            elif segment.lens in lenses:
                label = names.get(segment.lens, segment.lens)
                parts.append(
                    Markup(
                        '<aside class="lens lens-{lens}" aria-label="{label}">'
                        '<p class="lens-label">{label}</p>\n{html}</aside>'
                    ).format(lens=segment.lens, label=label, html=Markup(segment.html))
                )
        return Markup("\n").join(parts)

    def toc_for(self, lenses: frozenset[str]) -> tuple[TocEntry, ...]:
        """Return the table of contents for a learner with ``lenses`` on."""
        return tuple(t for t in self.toc if t.lens is None or t.lens in lenses)


class _HeadingIds(Treeprocessor):
    """Keep heading ids unique across the parts of one body, and collect the TOC entries."""

    def __init__(self, md: markdown.Markdown, used: set[str], entries: list[tuple[int, str, str]]):
        super().__init__(md)
        self.used = used
        self.entries = entries

    def run(self, root: etree.Element) -> None:
        names: dict[str, str] = {}
        stack = list(getattr(self.md, "toc_tokens", []))
        while stack:
            token = stack.pop(0)
            names[token["id"]] = token["name"]
            stack[0:0] = token.get("children", [])
        for element in root.iter():
            if (
                element.tag not in ("h1", "h2", "h3", "h4", "h5", "h6")
                or "id" not in element.attrib
            ):
                continue
            original = element.attrib["id"]
            new_id = original if original not in self.used else unique(original, self.used)
            self.used.add(new_id)
            element.attrib["id"] = new_id
            level = int(element.tag[1])
            if level in TOC_LEVELS:
                title = names.get(original) or "".join(element.itertext())
                self.entries.append((level, new_id, title.strip()))


class _HeadingIdsExtension(Extension):
    def __init__(self, used: set[str], entries: list[tuple[int, str, str]]) -> None:
        super().__init__()
        self.used = used
        self.entries = entries

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # The toc treeprocessor runs at priority 5 and sets ids; this runs just after it.
        md.treeprocessors.register(_HeadingIds(md, self.used, self.entries), "learn_ids", 4)


def _markdown(
    text: str, used: set[str] | None = None, entries: list[tuple[int, str, str]] | None = None
) -> str:
    extensions: list[str | Extension] = list(MARKDOWN_EXTENSIONS)
    extensions.append(
        _HeadingIdsExtension(
            used if used is not None else set(), entries if entries is not None else []
        )
    )
    md = markdown.Markdown(
        extensions=extensions,
        extension_configs={"toc": {"permalink": False}},
        output_format="html",
    )
    return md.convert(text)


def render_markdown(text: str) -> Markup:
    """Render Markdown to sanitised HTML."""
    return sanitize(_markdown(text))


def render_text(text: str) -> Markup:
    """Render a short field (question stem, feedback, explanation) to sanitised HTML."""
    return render_markdown(text)


def render_body(markdown_text: str) -> RenderedBody:
    """Render a module body into common and lens segments with a shared table of contents.

    Broken lens blocks are rendered as well as they can be; the loader reports them.
    """
    parts, _ = split_lens_blocks(markdown_text)
    used: set[str] = set()
    segments: list[Segment] = []
    toc: list[TocEntry] = []
    for part in parts:
        entries: list[tuple[int, str, str]] = []
        html = sanitize(_markdown(part.text, used, entries))
        segments.append(Segment(part.lens, str(html)))
        toc.extend(TocEntry(level, id_, title, part.lens) for level, id_, title in entries)
    return RenderedBody(tuple(segments), tuple(toc))
