"""The content loader: the demo course loads, and each broken fixture gives its exact error.

Each folder in tests/data/broken/ holds only the files that differ from the valid demo in
tests/data/content/; a test copies the demo, lays the fixture over it and checks the tree.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learn.content.loader import (
    check_path,
    load_course,
    load_tree,
    parse_course_text,
    parse_module_text,
    parse_quiz_text,
)
from learn.core.course import content_hash
from learn.core.errors import ContentError, ContentErrors
from learn.core.quiz import grade

DATA = Path(__file__).resolve().parents[1] / "data"
CONTENT = DATA / "content"
BROKEN = DATA / "broken"
DEMO = CONTENT / "courses" / "demo"


def overlay(tmp_path: Path, *cases: str) -> Path:
    """Return a copy of the demo tree with the broken fixtures ``cases`` laid over it."""
    tree = tmp_path / "tree"
    shutil.copytree(CONTENT, tree)
    for case in cases:
        shutil.copytree(BROKEN / case, tree, dirs_exist_ok=True)
    return tree


# --- the valid demo --------------------------------------------------------------------------


def test_demo_tree_is_valid():
    assert check_path(CONTENT) == []
    assert check_path(DEMO) == []
    assert check_path(DEMO / "course.yml") == []


def test_load_tree_reads_the_whole_demo_course():
    [(course, quizzes)] = load_tree(CONTENT)
    assert course.slug == "demo"
    assert [s.id for s in course.sources] == ["icat-2021", "ilo-indicators"]
    assert course.source("ilo-indicators").url.startswith("https://")  # type: ignore[union-attr]
    assert course.source("icat-2021").url is None  # type: ignore[union-attr]
    buyers, managers = course.tracks
    assert buyers.modules == ("intro", "red-flags", "responding")
    assert buyers.lenses == frozenset({"gender", "age"})
    assert buyers.certificate_validity_months == 12
    assert managers.certificate_validity_months is None
    assert [(m.number, m.slug) for m in course.modules] == [
        (1, "intro"),
        (2, "red-flags"),
        (3, "responding"),
    ]
    red_flags = course.module("red-flags")
    assert red_flags is not None
    assert red_flags.content_note == "This module describes forms of exploitation."
    assert red_flags.body.startswith("## Signs to look for")
    assert red_flags.source_text == (DEMO / "02-red-flags.md").read_text()
    assert red_flags.path == str(DEMO / "02-red-flags.md")
    assert course.source_text == (DEMO / "course.yml").read_text()
    assert sorted(quizzes) == ["intro", "red-flags", "responding"]


def test_load_course_reads_every_question_type():
    course, quizzes = load_course(DEMO)
    types = {q.type for quiz in quizzes.values() for q in quiz.questions}
    assert types == {"single", "multiple", "true_false", "ordering", "branching"}
    red_flags = quizzes["red-flags"]
    assert (red_flags.pass_mark, red_flags.draw, red_flags.max_attempts) == (60, 2, 3)
    assert quizzes["intro"].max_attempts is None and quizzes["intro"].draw is None
    assert red_flags.question("harassment").lenses == frozenset({"gender"})  # type: ignore[union-attr]
    assert red_flags.question("buyer-check").tracks == frozenset({"buyers"})  # type: ignore[union-attr]
    assert red_flags.question("steps-order").correct_order == ("map", "assess", "act")  # type: ignore[union-attr]
    true_false = quizzes["intro"].question("far-away")
    assert true_false is not None
    # Unquoted true/false ids are YAML booleans; they are read as written.
    assert [(o.id, o.text, o.correct) for o in true_false.options] == [
        ("true", "True", False),
        ("false", "False", True),
    ]
    assert quizzes["intro"].question("buyer-actions").points == 2  # type: ignore[union-attr]
    visit = quizzes["responding"].question("the-visit")
    assert visit is not None and visit.possible_victim and visit.scenario
    assert visit.start == "arrive" and [s.id for s in visit.steps] == ["arrive", "talk"]
    assert grade(visit, ("a", "b")).is_full
    assert grade(visit, ("b",)).points == 0.25


def test_crlf_files_load_to_the_same_content():
    text = (DEMO / "01-intro.md").read_text()
    lf = parse_module_text(text, "courses/demo/01-intro.md")
    crlf = parse_module_text(text.replace("\n", "\r\n"), "courses/demo/01-intro.md")
    assert content_hash(crlf.source_text) == content_hash(lf.source_text)


def test_parse_course_text_has_no_modules_yet():
    course = parse_course_text((DEMO / "course.yml").read_text(), "courses/demo/course.yml")
    assert course.slug == "demo" and course.modules == ()


def test_parse_module_text_checks_sources_only_with_a_course():
    course, _ = load_course(DEMO)
    text = (DEMO / "01-intro.md").read_text().replace("[icat-2021]", "[other]")
    assert parse_module_text(text, "01-intro.md").sources == ("other",)
    with pytest.raises(ContentErrors) as caught:
        parse_module_text(text, "01-intro.md", course)
    assert [str(e) for e in caught.value.errors] == [
        "01-intro.md:8: the module cites source 'other', which course.yml does not list, "
        "expected the id of a source in course.yml"
    ]


def test_parse_quiz_text_reports_every_problem_of_the_file():
    course, _ = load_course(DEMO)
    text = (CONTENT / "quizzes/demo/intro.yml").read_text()
    assert parse_quiz_text(text, "quizzes/demo/intro.yml", course).module == "intro"
    broken = text.replace("pass_mark: 70", "pass_mark: 0").replace("type: multiple", "type: many")
    with pytest.raises(ContentErrors) as caught:
        parse_quiz_text(broken, "intro.yml", course)
    assert [(e.line, e.message.split(",")[0]) for e in caught.value.errors] == [
        (3, "'pass_mark' in the quiz must be a whole number from 1 to 100 (a percentage)"),
        (30, "unknown question type 'many'"),
    ]


def test_content_error_formats_as_path_line_message():
    assert str(ContentError("a.yml", 3, "bad")) == "a.yml:3: bad"
    assert str(ContentError("a.yml", None, "bad")) == "a.yml: bad"
    errors = ContentErrors([ContentError("a.yml", 3, "bad"), ContentError("b.md", 1, "worse")])
    assert str(errors) == "a.yml:3: bad\nb.md:1: worse"
    assert len(errors) == 2


# --- problems --------------------------------------------------------------------------------

CASES = [
    (
        "branch-cycle",
        [
            (
                "quizzes/demo/intro.yml",
                27,
                "choice 'a' of step 'talk' leads back to step 'arrive', making a",
            ),
            (
                "quizzes/demo/intro.yml",
                36,
                "outcome 'confront' of question 'visit' cannot be reached from",
            ),
        ],
    ),
    (
        "branch-dangling-next",
        [
            (
                "quizzes/demo/intro.yml",
                31,
                "choice 'b' of step 'talk' leads to 'goood', which is no step or",
            )
        ],
    ),
    (
        "branch-duplicate-choice",
        [
            (
                "quizzes/demo/intro.yml",
                17,
                "duplicate choice id 'a' in step 'arrive' of question 'visit'",
            )
        ],
    ),
    (
        "branch-duplicate-id",
        [
            (
                "quizzes/demo/intro.yml",
                33,
                "duplicate step or outcome id 'talk' in question 'visit' (first",
            )
        ],
    ),
    (
        "branch-no-full-outcome",
        [("quizzes/demo/intro.yml", 32, "no outcome of question 'visit' scores 1")],
    ),
    (
        "branch-one-choice",
        [
            (
                "quizzes/demo/intro.yml",
                24,
                "'choices' in step 'talk' of question 'visit' has 1 choices",
            ),
            (
                "quizzes/demo/intro.yml",
                35,
                "outcome 'good' of question 'visit' cannot be reached from start",
            ),
        ],
    ),
    (
        "branch-options-key",
        [
            (
                "quizzes/demo/intro.yml",
                9,
                "key 'options' is not used in question 'visit': a branching",
            )
        ],
    ),
    (
        "branch-score-range",
        [
            (
                "quizzes/demo/intro.yml",
                38,
                "'score' in an outcome of question 'visit' must be a number from",
            )
        ],
    ),
    ("branch-start-absent", [("quizzes/demo/intro.yml", 5, "question 'visit' has no 'start' key")]),
    (
        "branch-start-missing",
        [("quizzes/demo/intro.yml", 8, "start 'begin' of question 'visit' names no step")],
    ),
    (
        "branch-start-outcome",
        [("quizzes/demo/intro.yml", 8, "start 'good' of question 'visit' is an outcome")],
    ),
    (
        "branch-unreachable-step",
        [
            (
                "quizzes/demo/intro.yml",
                21,
                "step 'talk' of question 'visit' cannot be reached from start",
            ),
            (
                "quizzes/demo/intro.yml",
                39,
                "outcome 'good' of question 'visit' cannot be reached from start",
            ),
        ],
    ),
    ("course-bad-url", [("courses/demo/course.yml", 14, "source url")]),
    (
        "course-duplicate-source",
        [("courses/demo/course.yml", 10, "duplicate source id 'icat-2021' (first at line 6)")],
    ),
    (
        "course-duplicate-track",
        [("courses/demo/course.yml", 22, "duplicate track slug 'buyers' (first at line 16)")],
    ),
    ("course-format", [("courses/demo/course.yml", 1, "unsupported format '2'")]),
    (
        "course-missing-file",
        [("courses/other/course.yml", None, "the course folder 'other' has no course.yml")],
    ),
    ("course-no-tracks", [("courses/demo/course.yml", 15, "'tracks' in course.yml has 0 tracks")]),
    (
        "course-slug-mismatch",
        [
            (
                "courses/demo/course.yml",
                2,
                "course slug 'demo-course' does not match its folder 'demo'",
            )
        ],
    ),
    ("course-stray-yml", [("courses/demo/notes.yml", None, "unexpected YAML file")]),
    (
        "course-track-module-missing",
        [
            (
                "courses/demo/course.yml",
                26,
                "track 'managers' lists module 'closing', which has no file",
            )
        ],
    ),
    (
        "course-unknown-key",
        [
            ("courses/demo/course.yml", 1, "course.yml has no 'summary' key"),
            (
                "courses/demo/course.yml",
                4,
                "unknown key 'sumary' in course.yml (did you mean 'summary'?)",
            ),
        ],
    ),
    ("course-unknown-lens", [("courses/demo/course.yml", 25, "unknown lens 'colour'")]),
    (
        "course-validity-type",
        [
            (
                "courses/demo/course.yml",
                20,
                "'certificate_validity_months' in a track must be a whole number",
            )
        ],
    ),
    (
        "course-yaml-syntax",
        [
            (
                "courses/demo/course.yml",
                26,
                "invalid YAML: expected ',' or ']', but got ':' (while parsing a",
            )
        ],
    ),
    ("lens-empty", [("courses/demo/03-responding.md", 13, "lens block 'age' is empty")]),
    (
        "lens-nested",
        [
            (
                "courses/demo/03-responding.md",
                14,
                "lens block opened inside the 'age' lens block of line 13",
            )
        ],
    ),
    (
        "lens-stray-close",
        [("courses/demo/03-responding.md", 10, "':::' closes no open lens block")],
    ),
    ("lens-unclosed", [("courses/demo/03-responding.md", 13, "lens block 'age' is never closed")]),
    ("lens-unknown", [("courses/demo/03-responding.md", 13, "unknown lens 'colour'")]),
    (
        "module-bad-file-name",
        [("courses/demo/4-extra.md", None, "module file name '4-extra.md' is not valid")],
    ),
    (
        "module-bad-slug",
        [
            (
                "courses/demo/01-intro.md",
                2,
                "'Intro_1' is not a valid slug for 'slug' in the front matter",
            )
        ],
    ),
    (
        "module-duplicate-key",
        [("courses/demo/01-intro.md", 5, "duplicate key 'title' (first at line 3)")],
    ),
    (
        "module-duplicate-number",
        [("courses/demo/01-intro.md", None, "module number 01 is also used by 01-extra.md")],
    ),
    (
        "module-duplicate-source",
        [
            (
                "courses/demo/01-intro.md",
                8,
                "'icat-2021' is listed twice in 'sources' of the front matter",
            )
        ],
    ),
    ("module-empty-body", [("courses/demo/01-intro.md", 10, "the module has no body")]),
    (
        "module-minutes-range",
        [
            (
                "courses/demo/01-intro.md",
                4,
                "'minutes' in the front matter must be a whole number from 1 to",
            )
        ],
    ),
    (
        "module-missing-key",
        [("courses/demo/01-intro.md", 2, "the front matter has no 'title' key")],
    ),
    (
        "module-no-front-matter",
        [("courses/demo/01-intro.md", 1, "a module file starts with YAML front matter")],
    ),
    (
        "module-no-objectives",
        [("courses/demo/01-intro.md", 5, "'objectives' in the front matter has 0 items")],
    ),
    (
        "module-slug-mismatch",
        [
            (
                "courses/demo/01-intro.md",
                2,
                "slug 'introduction' does not match the file name '01-intro.md'",
            )
        ],
    ),
    (
        "module-unclosed-front-matter",
        [("courses/demo/01-intro.md", 1, "the front matter is never closed")],
    ),
    (
        "module-unknown-key",
        [
            ("courses/demo/01-intro.md", 2, "the front matter has no 'minutes' key"),
            (
                "courses/demo/01-intro.md",
                4,
                "unknown key 'minute' in the front matter (did you mean",
            ),
        ],
    ),
    (
        "module-unknown-source",
        [
            (
                "courses/demo/01-intro.md",
                8,
                "the module cites source 'unknown-report', which course.yml does",
            )
        ],
    ),
    ("module-without-quiz", [("courses/demo/04-extra.md", None, "module 'extra' has no quiz")]),
    (
        "module-wrong-type",
        [
            (
                "courses/demo/01-intro.md",
                4,
                "'minutes' in the front matter must be a whole number from 1 to",
            )
        ],
    ),
    (
        "module-yaml-syntax",
        [("courses/demo/01-intro.md", 3, "invalid YAML: mapping values are not allowed here")],
    ),
    (
        "quiz-bool-type",
        [
            (
                "quizzes/demo/intro.yml",
                7,
                "'scenario' in question 'q1' must be true or false, got 'maybe'",
            )
        ],
    ),
    (
        "quiz-draw-zero",
        [
            (
                "quizzes/demo/intro.yml",
                4,
                "'draw' in the quiz must be a whole number of at least 1 (omit",
            )
        ],
    ),
    (
        "quiz-duplicate-option",
        [
            (
                "quizzes/demo/intro.yml",
                13,
                "duplicate option id 'a' in question 'q1' (first at line 9)",
            )
        ],
    ),
    (
        "quiz-duplicate-question",
        [("quizzes/demo/intro.yml", 18, "duplicate question id 'q1' (first at line 5)")],
    ),
    (
        "quiz-explanation-missing",
        [("quizzes/demo/intro.yml", 5, "question 'q1' has no 'explanation' key")],
    ),
    (
        "quiz-feedback-empty",
        [("quizzes/demo/intro.yml", 15, "'feedback' in an option of question 'q1' is empty")],
    ),
    (
        "quiz-feedback-missing",
        [("quizzes/demo/intro.yml", 13, "an option of question 'q1' has no 'feedback' key")],
    ),
    (
        "quiz-max-attempts-negative",
        [
            (
                "quizzes/demo/intro.yml",
                4,
                "'max_attempts' in the quiz must be a whole number of at least 0",
            )
        ],
    ),
    (
        "quiz-module-mismatch",
        [
            (
                "quizzes/demo/intro.yml",
                2,
                "module 'red-flags' does not match the file name 'intro.yml'",
            )
        ],
    ),
    (
        "quiz-multiple-no-correct",
        [("quizzes/demo/intro.yml", 8, "question 'q1' has no correct option")],
    ),
    ("quiz-no-correct", [("quizzes/demo/intro.yml", 8, "question 'q1' has no correct option")]),
    (
        "quiz-no-questions",
        [("quizzes/demo/intro.yml", 4, "'questions' in the quiz has 0 questions")],
    ),
    ("quiz-no-sources", [("quizzes/demo/intro.yml", 17, "'sources' in question 'q1' has 0 items")]),
    (
        "quiz-not-a-mapping",
        [("quizzes/demo/intro.yml", 1, "the quiz must be a set of 'key: value' lines, got a list")],
    ),
    (
        "quiz-ordering-correct",
        [
            (
                "quizzes/demo/intro.yml",
                11,
                "key 'correct' is not used in an option of question 'q1': list",
            )
        ],
    ),
    (
        "quiz-pass-mark-range",
        [
            (
                "quizzes/demo/intro.yml",
                3,
                "'pass_mark' in the quiz must be a whole number from 1 to 100 (a",
            )
        ],
    ),
    (
        "quiz-points-type",
        [
            (
                "quizzes/demo/intro.yml",
                7,
                "'points' in question 'q1' must be a whole number from 1 to 100,",
            )
        ],
    ),
    (
        "quiz-single-two-correct",
        [("quizzes/demo/intro.yml", 15, "question 'q1' has 2 correct options")],
    ),
    (
        "quiz-too-few-options",
        [("quizzes/demo/intro.yml", 9, "'options' in question 'q1' has 1 options")],
    ),
    ("quiz-true-false-ids", [("quizzes/demo/intro.yml", 9, "a true_false option has id 'yes'")]),
    ("quiz-unknown-lens", [("quizzes/demo/intro.yml", 7, "unknown lens 'colour'")]),
    ("quiz-unknown-module", [("quizzes/demo/ghost.yml", 2, "quiz for unknown module 'ghost'")]),
    (
        "quiz-unknown-source",
        [
            (
                "quizzes/demo/intro.yml",
                17,
                "question 'q1' cites source 'icat-2012', which course.yml does",
            )
        ],
    ),
    (
        "quiz-unknown-track",
        [("quizzes/demo/intro.yml", 7, "question 'q1' names unknown track 'auditors'")],
    ),
    (
        "quiz-unknown-type",
        [
            (
                "quizzes/demo/intro.yml",
                6,
                "unknown question type 'true-false' (did you mean 'true_false'?)",
            )
        ],
    ),
    (
        "quiz-yaml-syntax",
        [
            (
                "quizzes/demo/intro.yml",
                8,
                "invalid YAML: expected <block end>, but found '<block mapping",
            )
        ],
    ),
    ("quizzes-unknown-course", [("quizzes/other", None, "quizzes for unknown course 'other'")]),
]


@pytest.mark.parametrize(("case", "expected"), CASES, ids=[c for c, _ in CASES])
def test_broken_fixture_reports_its_file_line_and_problem(
    tmp_path: Path, case: str, expected: list[tuple[str, int | None, str]]
):
    tree = overlay(tmp_path, case)
    errors = check_path(tree)
    got = [(str(Path(e.path).relative_to(tree)), e.line) for e in errors]
    assert got == [(path, line) for path, line, _ in expected], [str(e) for e in errors]
    for error, (_, _, fragment) in zip(errors, expected, strict=True):
        assert fragment in error.message


def test_every_broken_fixture_has_a_case():
    assert sorted(p.name for p in BROKEN.iterdir()) == sorted(c for c, _ in CASES)


def test_load_tree_raises_every_problem_across_files_and_loads_nothing(tmp_path: Path):
    tree = overlay(tmp_path, "quiz-no-correct", "lens-unclosed", "branch-cycle")
    with pytest.raises(ContentErrors) as caught:
        load_tree(tree)
    places = [(Path(e.path).name, e.line) for e in caught.value.errors]
    assert places == [
        ("03-responding.md", 13),
        ("intro.yml", 27),
        ("intro.yml", 36),
    ]  # branch-cycle replaced intro.yml after quiz-no-correct


def test_course_folder_problems_are_reported_by_load_course(tmp_path: Path):
    tree = overlay(tmp_path, "module-without-quiz")
    with pytest.raises(ContentErrors, match="module 'extra' has no quiz"):
        load_course(tree / "courses" / "demo")


def test_a_missing_courses_folder_is_an_error(tmp_path: Path):
    [error] = check_path(tmp_path)
    assert error.path == str(tmp_path / "courses") and "no courses folder" in error.message
    (tmp_path / "courses").mkdir()
    [error] = check_path(tmp_path)
    assert "no course found" in error.message


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path):
    tree = overlay(tmp_path)
    (tree / "courses/demo/01-intro.md").write_bytes(b"---\nslug: \xff\n---\n")
    [error] = check_path(tree)
    assert error.path.endswith("01-intro.md") and "not UTF-8" in error.message


def test_a_recursive_yaml_alias_is_an_error_not_a_crash(tmp_path: Path):
    course, _ = load_course(DEMO)
    text = "format: 1\nmodule: intro\npass_mark: 70\nquestions: &q [*q]\n"
    with pytest.raises(ContentErrors, match="alias refers to itself"):
        parse_quiz_text(text, "intro.yml", course)


def test_python_tags_are_refused(tmp_path: Path):
    with pytest.raises(ContentErrors, match="invalid YAML"):
        parse_course_text("format: !!python/object:os.system x\n", "course.yml")


DEMO_COURSE, _ = load_course(DEMO)
DEMO_FILES = sorted([*DEMO.glob("*.md"), *(CONTENT / "quizzes" / "demo").glob("*.yml")])
DEMO_FILES.append(DEMO / "course.yml")


def parse_any(path: Path, text: str) -> object:
    if path.name == "course.yml":
        return parse_course_text(text, str(path))
    if path.suffix == ".md":
        return parse_module_text(text, str(path), DEMO_COURSE)
    return parse_quiz_text(text, str(path), DEMO_COURSE)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(DEMO_FILES), st.data())
def test_mangled_files_give_content_errors_never_a_crash(path: Path, data: st.DataObject):
    lines = path.read_text().split("\n")
    start = data.draw(st.integers(0, len(lines) - 1))
    end = data.draw(st.integers(start, min(len(lines), start + 3)))
    junk = data.draw(
        st.lists(
            st.sampled_from(
                [
                    "",
                    "  ",
                    "- ",
                    ":",
                    "::: lens age",
                    "[",
                    "'",
                    "x: [",
                    "id: a",
                    "  - ",
                    "!!!",
                    "&a",
                    "*a",
                    "\t",
                    "next: arrive",
                    "correct: true",
                ]
            ),
            max_size=3,
        )
    )
    mangled = "\n".join(lines[:start] + ["".join(junk)] + lines[end:])
    try:
        parse_any(path, mangled)
    except ContentErrors as exc:
        assert exc.errors
        assert all(isinstance(e.line, int | None) for e in exc.errors)
