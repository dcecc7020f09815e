"""Content lint as failures under ``learn content check --strict``; the shipped content passes."""

from __future__ import annotations

import shutil

from learn.config import PROJECT_ROOT
from learn.content.lint import lint_path
from tests.conftest import DATA


def test_shipped_content_passes_strict_check(runner):
    result = runner.invoke(args=["content", "check", "--strict", str(PROJECT_ROOT)])
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.output


def test_strict_check_fails_on_lint(runner):
    result = runner.invoke(args=["content", "check", "--strict", str(DATA / "content")])
    assert result.exit_code != 0
    assert "track 'buyers' turns the age lens on" in result.output
    plain = runner.invoke(args=["content", "check", str(DATA / "content")])
    assert plain.exit_code == 0, plain.output


def test_lint_path_takes_a_tree_a_folder_or_a_course_file(tmp_path):
    shutil.copytree(DATA / "content", tmp_path / "content")
    root = tmp_path / "content"
    intro = root / "courses" / "demo" / "01-intro.md"
    intro.write_text(intro.read_text() + "\nSee [click here](/help).\n")
    quiz = root / "quizzes" / "demo" / "responding.yml"
    quiz.write_text(quiz.read_text().replace("(/help)", "(/elsewhere)"))
    for path in (root, root / "courses" / "demo", root / "courses" / "demo" / "course.yml"):
        messages = [str(w) for w in lint_path(path)]
        assert any("01-intro.md:27: link text 'click here'" in m for m in messages), messages
        assert any(
            "responding.yml:5: question 'the-visit' is about a possible victim" in m
            for m in messages
        ), messages
