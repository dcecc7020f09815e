"""Markdown rendering: the allow-list holds, lens blocks become segments, headings get ids."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from learn.content.render import (
    ALLOWED_TAGS,
    RenderedBody,
    Segment,
    TocEntry,
    render_body,
    render_markdown,
    render_text,
    sanitize,
)

try:
    from .hostile import HOSTILE
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from hostile import HOSTILE

FORBIDDEN_TAGS = {"script", "style", "svg", "math", "iframe", "object", "embed", "form", "input"}
FORBIDDEN_TAGS |= {"link", "meta", "base", "body", "noscript", "button", "textarea"}
BAD_SCHEME = re.compile(r"^\s*(javascript|data|vbscript)\s*:", re.IGNORECASE)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(output: str, extra_tags: frozenset[str] = frozenset()) -> None:
    """Assert ``output`` has no script, handler, style or dangerous URL, as text or as parsed."""
    lowered = output.lower()
    assert "<script" not in lowered
    assert "<style" not in lowered and "<svg" not in lowered and "<iframe" not in lowered
    # Attribute values are always double-quoted with inner quotes escaped; text inside them
    # (say, a title mentioning onclick=) is harmless, so look at the markup around them.
    markup = re.sub(r'"[^"]*"', '""', output)
    assert re.search(r"<[^>]*\son\w+\s*=", markup, re.IGNORECASE) is None
    assert re.search(r"<[^>]*\sstyle\s*=", markup, re.IGNORECASE) is None
    assert re.search(r"<[^>]*\s(href|src)\s*=\s*[^\s\"]", markup, re.IGNORECASE) is None
    parser = _Tags()
    parser.feed(output)
    parser.close()
    for tag, attrs in parser.tags:
        assert tag in ALLOWED_TAGS | extra_tags and tag not in FORBIDDEN_TAGS, tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            if name in ("href", "src"):
                # HTMLParser has decoded entities once, as a browser does; browsers also
                # ignore tabs, newlines and leading control characters in a URL.
                decoded = re.sub(r"[\x00-\x20]", "", value or "")
                assert not BAD_SCHEME.match(decoded), (tag, name, value)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_renders_harmless(text: str):
    assert_safe(render_markdown(text))
    assert_safe(render_text(text))
    assert_safe(sanitize(text))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_in_a_body_renders_harmless(text: str):
    body = render_body(f"## Title\n\n{text}\n\n::: lens age\n{text}\n:::\n")
    for segment in body.segments:
        assert_safe(segment.html)
    wrapped = body.html_for(frozenset({"gender", "age"}), labels={"age": "<b onclick=x>"})
    assert_safe(wrapped, extra_tags=frozenset({"aside"}))


def test_sanitize_returns_markup():
    assert isinstance(render_markdown("x"), Markup)
    assert isinstance(sanitize("<p>x</p>"), Markup)
    assert sanitize("<p>x</p>") == "<p>x</p>"


def test_markdown_features_survive_sanitising():
    out = render_markdown(
        "## Heading {#custom}\n\n"
        "| A | B |\n|:--|--:|\n| 1 | 2 |\n\n"
        '!!! warning "Take care"\n    Body.\n\n'
        "```python\nx = 1\n```\n\n"
        "1. one\n2. two\n\n"
        "*[ILO]: International Labour Organization\n"
    )
    assert '<h2 id="custom">Heading</h2>' in out
    assert "<th>A</th>" in out and "<td>2</td>" in out  # alignment styles are dropped
    assert '<div class="admonition warning">' in out
    assert '<p class="admonition-title">Take care</p>' in out
    assert '<code class="language-python">x = 1' in out
    assert "<ol>" in out


def test_safe_links_and_images_are_kept():
    out = render_markdown(
        "[help](/help) [web](https://example.org/a?b=1&c=2) [mail](mailto:help@example.org) "
        "[rel](other-page) ![Alt](images/map.png) ![Alt2](https://example.org/x.png)"
    )
    assert '<a href="/help">help</a>' in out
    assert 'href="https://example.org/a?b=1&amp;c=2"' in out
    assert 'href="mailto:help@example.org"' in out
    assert 'href="other-page"' in out
    assert '<img alt="Alt" src="images/map.png">' in out
    assert 'src="https://example.org/x.png"' in out


def test_unknown_classes_and_ids_are_dropped():
    out = render_markdown(
        '<div class="admonition note evil">x</div><span class="x">y</span>\n\n## H {: #"bad id" }'
    )
    assert "evil" not in out and 'class="x"' not in out


def test_h1_is_not_allowed_in_a_body():
    assert "<h1" not in render_markdown("# Title")


BODY = """## Intro

Common text.

::: lens gender
### Women workers

Gender text.
:::

## Intro

::: lens age
## Intro

Age text.
:::
"""


def test_render_body_splits_lens_segments():
    body = render_body(BODY)
    assert [s.lens for s in body.segments] == [None, "gender", None, "age"]
    assert "Gender text." in body.segments[1].html


def test_heading_ids_are_unique_across_the_whole_body():
    body = render_body(BODY)
    assert body.toc == (
        TocEntry(2, "intro", "Intro", None),
        TocEntry(3, "women-workers", "Women workers", "gender"),
        TocEntry(2, "intro_1", "Intro", None),
        TocEntry(2, "intro_2", "Intro", "age"),
    )
    assert 'id="intro_2"' in body.segments[3].html
    assert [t.id for t in body.toc_for(frozenset())] == ["intro", "intro_1"]


def test_html_for_leaves_out_lens_blocks_that_are_off():
    body = render_body(BODY)
    plain = body.html_for(frozenset())
    assert "Common text." in plain and "Gender text." not in plain and "Age text." not in plain
    gender = body.html_for(frozenset({"gender"}))
    assert (
        '<aside class="lens lens-gender" aria-label="Gender lens">'
        '<p class="lens-label">Gender lens</p>' in gender
    )
    assert "Age text." not in gender
    both = body.html_for(frozenset({"gender", "age"}))
    assert 'aria-label="Age lens (children and young workers)"' in both
    assert isinstance(both, Markup)


def test_html_for_escapes_translated_labels():
    body = render_body(BODY)
    out = body.html_for(frozenset({"gender"}), labels={"gender": 'Perspective "genre" <b>'})
    assert 'aria-label="Perspective &#34;genre&#34; &lt;b&gt;"' in out
    assert "<b>" not in out


def test_rendered_body_round_trips_through_json():
    body = render_body(BODY)
    assert RenderedBody.from_json(body.to_json()) == body
    assert RenderedBody((Segment(None, "<p>é</p>"),), ()).to_json().count("é") == 1


def test_render_text_renders_short_fields():
    assert render_text("See [Get help or report a concern](/help).") == (
        '<p>See <a href="/help">Get help or report a concern</a>.</p>'
    )
