"""``learn content check|import|export``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from learn.content.loader import check_path
from learn.core.errors import ContentErrors

content = AppGroup("content", help="Check, import and export course content files.")


def _root(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["CONTENT_ROOT"])


@content.command("check")
@click.argument("path", required=False)
@click.option("--strict", is_flag=True, help="Also fail on content lint (accessibility, style).")
def check_command(path: str | None, strict: bool) -> None:
    """Validate course and quiz files; print every problem as file:line: message."""
    root = _root(path)
    problems = [str(e) for e in check_path(root)]
    if strict and not problems:
        from learn.content.lint import lint_path

        problems = [str(e) for e in lint_path(root)]
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found in {root}")
    click.echo(f"{root}: no problems found")


@content.command("import")
@click.argument("path", required=False)
def import_command(path: str | None) -> None:
    """Import course content and its images, all or nothing; unchanged files change nothing."""
    from learn.services.packages import import_folder

    root = _root(path)
    try:
        report = import_folder(root)
    except ContentErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"nothing imported: {len(exc.errors)} problem(s)") from exc
    click.echo(f"Imported {root}: {report.summary()}")


@content.command("export")
@click.argument("course_slug")
@click.argument("destination")
def export_command(course_slug: str, destination: str) -> None:
    """Export the live version of a course as a zip laid out as courses/ and quizzes/."""
    from learn.services.packages import export_course_zip

    data = export_course_zip(course_slug)
    if data is None:
        raise click.ClickException(f"no live course called {course_slug!r}")
    Path(destination).write_bytes(data)
    click.echo(f"Wrote {destination}")


commands = [content]
