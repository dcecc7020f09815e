"""Imports flow one way: blueprints -> services -> (models, content, documents, core)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "learn"
BLUEPRINTS = {"auth", "learner", "author", "admin", "verify", "api", "site", "media"}


def imports_of(path: Path) -> set[str]:
    """Return every module name a file imports (top level or inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def test_core_imports_only_the_standard_library_and_itself():
    stdlib = set(sys.stdlib_module_names)
    for path in files("core"):
        for name in imports_of(path):
            top = name.split(".")[0]
            assert top in stdlib or name.startswith("learn.core"), f"{path.name} imports {name}"


@pytest.mark.parametrize("layer", ["content", "documents"])
def test_content_and_documents_know_nothing_of_flask_or_the_database(layer):
    for path in files(layer):
        for name in imports_of(path):
            top = name.split(".")[0]
            assert top not in {"flask", "flask_login", "flask_wtf", "sqlalchemy"}, (
                f"{layer}/{path.name} imports {name}"
            )
            if name.startswith("learn."):
                assert name.split(".")[1] in {"core", layer}, f"{path.name} imports {name}"


def test_models_do_not_import_services_or_blueprints():
    for path in files("models"):
        for name in imports_of(path):
            if name.startswith("learn."):
                assert name.split(".")[1] not in {"services", *BLUEPRINTS}, (
                    f"models/{path.name} imports {name}"
                )


def test_services_do_not_import_blueprints():
    for path in files("services"):
        for name in imports_of(path):
            if name.startswith("learn."):
                assert name.split(".")[1] not in BLUEPRINTS, f"services/{path.name} imports {name}"


def test_only_render_imports_markdown_and_bleach():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "render.py" and path.parent.name == "content":
            continue
        tops = {name.split(".")[0] for name in imports_of(path)}
        assert not tops & {"markdown", "bleach"}, f"{path.relative_to(PACKAGE)} renders Markdown"


def test_only_config_reads_the_environment():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "config.py":
            continue
        assert "os.environ" not in path.read_text(encoding="utf-8"), path.relative_to(PACKAGE)
