"""Course values, content hashes and the lens-block splitter of learn.core.course."""

from __future__ import annotations

import pytest

from learn.core.course import (
    Course,
    Module,
    Source,
    Track,
    content_hash,
    is_slug,
    lenses_in,
    split_lens_blocks,
)


def test_content_hash_ignores_crlf_line_ends():
    assert content_hash("a\r\nb\r\n") == content_hash("a\nb\n")
    assert content_hash("a\nb") != content_hash("a\nb\n")
    assert len(content_hash("")) == 64


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("red-flags", True),
        ("a1", True),
        ("Red", False),
        ("a--b", False),
        ("-a", False),
        ("", False),
    ],
)
def test_is_slug(value: str, expected: bool):
    assert is_slug(value) is expected


def module(slug: str, number: int) -> Module:
    return Module(slug, number, slug.title(), 5, ("Do it.",), ("src",), None, "Body", "", "")


def test_course_helpers_find_by_slug_and_keep_track_order():
    course = Course(
        "demo",
        "Demo",
        "Summary",
        (Source("src", "Title", "Publisher", 2021, None),),
        (Track("t", "Track", "Everyone", ("b", "a", "ghost"), frozenset(), None),),
        (module("a", 1), module("b", 2)),
        "text",
    )
    assert course.track("t") is course.tracks[0]
    assert course.module("b") is course.modules[1]
    assert course.source("src") is course.sources[0]
    assert course.track("x") is None and course.module("x") is None and course.source("x") is None
    assert [m.slug for m in course.track_modules("t")] == ["b", "a"]
    assert course.track_modules("x") == ()
    assert course.version == content_hash("text")


BODY = """## Intro

Common text.

::: lens gender
Gender text.
:::

More common text.

::: lens age
Age text.

```
:::
```
:::
"""


def test_split_lens_blocks_returns_common_and_lens_parts_with_lines():
    parts, problems = split_lens_blocks(BODY, first_line=10)
    assert problems == ()
    assert [(p.lens, p.line) for p in parts] == [
        (None, 10),
        ("gender", 15),
        (None, 17),
        ("age", 21),
    ]
    assert parts[1].text == "Gender text."
    assert "```\n:::\n```" in parts[3].text  # a ::: inside fenced code is text
    assert lenses_in(BODY) == frozenset({"gender", "age"})


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("a\n::: lens gender\nb\n", 2, "lens block 'gender' is never closed"),
        ("a\n::: lens gender\nb\n::: lens age\nc\n:::\n", 4, "do not nest"),
        ("a\n::: lens colour\nb\n:::\n", 2, "unknown lens 'colour', expected one of: gender, age"),
        ("a\n::: lens gender\n\n:::\n", 2, "lens block 'gender' is empty"),
        ("a\n:::\n", 2, "':::' closes no open lens block"),
        ("a\n::: lens\nb\n:::\n", 2, "malformed lens block line"),
        ("a\n::: lens gender age\nb\n:::\n", 2, "malformed lens block line"),
        ("a\n::: note\nb\n", 2, "unknown block line '::: note'"),
    ],
)
def test_split_lens_blocks_reports_broken_blocks(body: str, line: int, fragment: str):
    _, problems = split_lens_blocks(body)
    assert len(problems) == 1, problems
    assert problems[0].line == line
    assert fragment in problems[0].message
