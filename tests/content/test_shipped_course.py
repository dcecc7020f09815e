"""The shipped course: valid, sourced, sized for busy people, and in its own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from learn.content.loader import check_path, load_tree
from learn.core.course import lenses_in
from tests.content import overlap

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped():
    return load_tree(ROOT)


def test_content_check_passes_on_the_shipped_content():
    assert [str(e) for e in check_path(ROOT)] == []


def test_cli_check_passes_strict(runner):
    result = runner.invoke(args=["content", "check", str(ROOT), "--strict"])
    assert result.exit_code == 0, result.output


def test_one_course_of_at_least_ten_modules_and_four_tracks(shipped):
    assert len(shipped) == 1
    course, quizzes = shipped[0]
    assert len(course.modules) >= 10
    assert {t.slug for t in course.tracks} >= {
        "procurement",
        "contract-managers",
        "senior-leaders",
        "labour-inspectors",
    }


def test_every_module_cites_sources_the_course_lists(shipped):
    course, quizzes = shipped[0]
    listed = {s.id for s in course.sources}
    for module in course.modules:
        assert module.sources, module.slug
        assert set(module.sources) <= listed, module.slug
        for question in quizzes[module.slug].questions:
            assert question.sources and set(question.sources) <= listed, question.id


def test_tracks_reach_only_existing_modules_and_last_an_hour_or_two(shipped):
    course, _ = shipped[0]
    for track in course.tracks:
        modules = course.track_modules(track.slug)
        assert len(modules) == len(track.modules), track.slug
        assert 60 <= sum(m.minutes for m in modules) <= 120, track.slug


def _words(markdown: str) -> int:
    return len(re.findall(r"[A-Za-zÀ-ÿ0-9’']+", markdown))


def test_modules_are_700_to_1500_words_with_a_monday_list(shipped):
    course, _ = shipped[0]
    for module in course.modules:
        assert 700 <= _words(module.body) <= 1500, (module.slug, _words(module.body))
        assert "monday" in module.body.lower(), module.slug


def test_every_module_has_gender_and_age_lens_blocks(shipped):
    course, _ = shipped[0]
    for module in course.modules:
        assert lenses_in(module.body) == {"gender", "age"}, module.slug


def test_quizzes_are_mostly_scenarios_with_branching_in_every_track(shipped):
    course, quizzes = shipped[0]
    total = 0
    for module in course.modules:
        questions = quizzes[module.slug].questions
        total += len(questions)
        assert len(questions) >= 6, module.slug
        assert sum(q.scenario for q in questions) * 3 >= 2 * len(questions), module.slug
        for q in questions:
            assert q.explanation.strip(), q.id
            for option in q.options:
                assert option.feedback.strip(), (q.id, option.id)
            for step in q.steps:
                assert all(c.feedback.strip() for c in step.choices), (q.id, step.id)
    assert total >= 80
    for track in course.tracks:
        assert any(q.type == "branching" for m in track.modules for q in quizzes[m].questions), (
            track.slug
        )


def test_victim_scenarios_point_to_help(shipped):
    course, quizzes = shipped[0]
    for quiz in quizzes.values():
        for q in quiz.questions:
            if q.possible_victim:
                text = " ".join(
                    [q.stem, q.explanation]
                    + [o.feedback for o in q.options]
                    + [c.feedback for s in q.steps for c in s.choices]
                    + [o.text for o in q.outcomes]
                )
                assert "(/help)" in text, q.id


def test_no_sentence_repeats_the_sources():
    assert overlap.SOURCES.is_dir(), (
        f"the seed documents are expected at {overlap.SOURCES} (shared/ beside the clone)"
    )
    runs = overlap.source_runs()
    assert runs, "no seed documents found"
    hits = []
    for folder in ("courses", "quizzes"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".md", ".yml"} and path.name != "course.yml":
                hits += [f"{path.name}: {h}" for h in overlap.shared_runs(path.read_text(), runs)]
    assert hits == []
