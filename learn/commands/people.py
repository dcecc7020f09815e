"""``learn users import FILE.csv`` and ``learn api-tokens create|list|revoke``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup


def _problem_text(problem: dict) -> str:
    """Return a row problem in the default language (there is no request to choose one)."""
    from learn.admin.messages import row_problem

    with current_app.test_request_context():
        return row_problem(problem)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--good-only",
    is_flag=True,
    help="Import the good rows even if some rows are bad (default: all or nothing).",
)
@click.option(
    "--links",
    "links_file",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the one-time password links to this CSV file (default: print them).",
)
def import_users_command(file: str, good_only: bool, links_file: str | None) -> None:
    """Enrol people from a CSV (name, email, organisation, department, role, track, due date)."""
    from learn.admin.messages import file_problem
    from learn.services import people
    from learn.services.scope import Scope

    try:
        rows = people.read_people_csv(Path(file).read_bytes())
    except people.CsvFileError as exc:
        with current_app.test_request_context():
            message = file_problem(exc.code, exc.detail)
        raise click.ClickException(message) from exc
    outcome = people.import_rows(None, Scope(None), rows, good_only=good_only)
    bad = [r for r in outcome.problems if r["errors"]]
    for row in bad:
        reasons = "; ".join(_problem_text(e) for e in row["errors"])
        click.echo(f"{file}:{row['line']}: {reasons}", err=True)
    if not outcome.is_imported:
        raise click.ClickException(f"nothing imported: {len(bad)} bad row(s)")
    text = people.links_csv(outcome.links)
    if links_file:
        Path(links_file).write_text(text, encoding="utf-8")
        Path(links_file).chmod(0o600)
    else:
        click.echo(text, nl=False)
    click.echo(
        f"Imported {len(outcome.links)} people; skipped {outcome.skipped} bad row(s)."
        + (f" Links written to {links_file}." if links_file else ""),
        err=True,
    )


api_tokens = AppGroup("api-tokens", help="Create, list and revoke reporting-API tokens.")


@api_tokens.command("create")
@click.argument("name")
@click.option("--organisation", default=None, help="Organisation name (default: all).")
@click.option("--admin", "admin_email", required=True, help="Email of the admin making it.")
def create_token_command(name: str, organisation: str | None, admin_email: str) -> None:
    """Make a token and print it (it is shown only this once)."""
    from sqlalchemy import func, select

    from learn.extensions import db
    from learn.models import Organisation
    from learn.services import accounts
    from learn.services import api_tokens as service
    from learn.services.scope import scope_for

    admin = accounts.find_user(admin_email)
    if admin is None or not admin.is_admin:
        raise click.ClickException(f"{admin_email} is not an admin")
    org_id = None
    if organisation:
        org_id = db.session.scalar(
            select(Organisation.id).where(func.lower(Organisation.name) == organisation.lower())
        )
        if org_id is None:
            raise click.ClickException(f"no organisation called {organisation!r}")
    try:
        made = service.create_token(admin, scope_for(admin), name, org_id)
    except service.TokenError as exc:
        raise click.ClickException(exc.code.replace("_", " ")) from exc
    click.echo(made.secret)


@api_tokens.command("list")
def list_tokens_command() -> None:
    """List tokens: id, prefix, organisation, state."""
    from learn.services import api_tokens as service
    from learn.services.scope import Scope

    for token in service.list_tokens(Scope(None)):
        org = token.organisation.name if token.organisation else "all organisations"
        state = "revoked" if token.revoked_at else "active"
        click.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{org}\t{state}")


@api_tokens.command("revoke")
@click.argument("token_id", type=int)
@click.option("--admin", "admin_email", required=True, help="Email of the admin revoking it.")
def revoke_token_command(token_id: int, admin_email: str) -> None:
    """Revoke a token by its id."""
    from learn.services import accounts
    from learn.services import api_tokens as service
    from learn.services.scope import scope_for

    admin = accounts.find_user(admin_email)
    if admin is None or not admin.is_admin:
        raise click.ClickException(f"{admin_email} is not an admin")
    try:
        token = service.get_token(scope_for(admin), token_id)
    except service.TokenError as exc:
        raise click.ClickException("no such token") from exc
    service.revoke_token(admin, token)
    click.echo(f"Revoked token {token.id} ({token.prefix}…)")


#: Commands that go under ``learn users``.
user_commands = [import_users_command]
commands = [api_tokens]
