"""Content warnings: alt text, heading levels, vague links, reading grade, lenses, help links."""

from __future__ import annotations

from pathlib import Path

import pytest

from learn.content.lint import lint_module, lint_quiz, reading_grade, syllables
from learn.content.loader import load_course, parse_module_text, parse_quiz_text

DEMO = Path(__file__).resolve().parents[1] / "data" / "content" / "courses" / "demo"
FRONT = "---\nslug: intro\ntitle: T\nminutes: 5\nobjectives: [Do it.]\nsources: [icat-2021]\n---\n"


def warnings_for(body: str) -> list[tuple[int | None, str]]:
    course, _ = load_course(DEMO)
    module = parse_module_text(FRONT + body, "01-intro.md", course)
    # The demo's intro is in both tracks, whose lenses are gender and age.
    body_lenses = "\n::: lens gender\nG.\n:::\n\n::: lens age\nA.\n:::\n"
    if "::: lens" not in body:
        module = parse_module_text(FRONT + body + body_lenses, "01-intro.md", course)
    return [(w.line, w.message) for w in lint_module(module, course)]


def test_the_demo_intro_has_no_warnings():
    course, _ = load_course(DEMO)
    assert lint_module(course.modules[0], course) == []


@pytest.mark.parametrize(
    ("body", "line", "fragment"),
    [
        ("Text ![](images/a.png)\n", 8, "image has no alt text"),
        ('Text <img src="a.png">\n', 8, "<img> has no alt text"),
        ('Text <img src="a.png" alt="">\n', 8, "<img> has no alt text"),
        ("## A\n\n#### B\n", 10, "heading level 4 follows level 2"),
        ("### A\n", 8, "heading level 3 follows level 1"),
        ("# A\n", 8, "a '#' heading in the body"),
        ("See [here](/help).\n", 8, "link text 'here'"),
        ("See [Click here](/help).\n", 8, "link text 'Click here'"),
        ('<a href="/x">read more</a>\n', 8, "link text 'read more'"),
    ],
)
def test_lint_module_warns(body: str, line: int, fragment: str):
    [(got_line, message)] = warnings_for(body)
    assert got_line == line
    assert fragment in message


def test_clean_body_has_no_warnings():
    body = "## A\n\n### B\n\n![A map](a.png) [Get help or report a concern](/help)\n\n## C\n"
    assert warnings_for(body) == []


def test_headings_in_code_are_not_headings():
    assert warnings_for("```\n# not a heading\n```\n") == []


def test_hard_reading_is_reported_for_the_module():
    hard = (
        "Notwithstanding institutional considerations, comprehensive organisational "
        "accountability necessitates systematic identification, prioritisation and "
        "remediation of internationally recognised exploitative employment "
        "characteristics throughout multitiered subcontracting relationships.\n"
    )
    [(line, message)] = warnings_for(hard)
    assert line is None and "reading grade" in message


def test_missing_lens_block_for_a_track_lens():
    course, _ = load_course(DEMO)
    module = course.module("responding")
    assert module is not None
    messages = [w.message for w in lint_module(module, course)]
    assert messages == [
        "track 'buyers' turns the gender lens on, but the module has no '::: lens gender' "
        "block, expected one",
        "track 'managers' turns the gender lens on, but the module has no '::: lens gender' "
        "block, expected one",
    ]


def test_reading_grade_and_syllables():
    assert reading_grade("") is None
    assert reading_grade("The cat sat. The dog ran.") < 2  # type: ignore[operator]
    assert [syllables(w) for w in ("cat", "make", "table", "organisation")] == [1, 1, 2, 5]


def test_possible_victim_question_must_link_to_help():
    course, quizzes = load_course(DEMO)
    assert lint_quiz(quizzes["responding"]) == []
    text = quizzes["responding"].source_text.replace("(/help)", "(/elsewhere)")
    quiz = parse_quiz_text(text, "quizzes/demo/responding.yml", course)
    [warning] = lint_quiz(quiz)
    assert warning.line == 5
    assert "question 'the-visit' is about a possible victim" in warning.message
