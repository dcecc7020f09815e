"""The ``learn`` command group (also reachable as ``flask --app learn``)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, FlaskGroup, with_appcontext

from learn import config as config_module
from learn.extensions import db

users = AppGroup("users", help="Create and import people.")


def _instance_path() -> Path:
    return config_module.PROJECT_ROOT / "instance"


def ensure_secret_key(instance: Path) -> bool:
    """Write a random secret key to ``instance/secret_key`` unless one exists; True if written."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if key_file.exists():
        return False
    key_file.write_text(secrets.token_hex(32) + "\n")
    key_file.chmod(0o600)
    return True


@click.command("init")
def init_command() -> None:
    """Create or migrate the database (and a secret key for this instance if none is set)."""
    from flask_migrate import upgrade

    from learn.factory import create_app

    if ensure_secret_key(_instance_path()):
        click.echo(f"Wrote a new secret key to {_instance_path() / 'secret_key'}")
    app = create_app()
    with app.app_context():
        upgrade(directory=str(config_module.PROJECT_ROOT / "migrations"))
        click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


@click.command("serve")
@click.option("--workers", type=int, default=None, help="Worker processes (default 2 per core).")
@click.option("--port", type=int, default=None, help="Port (default $PORT or 5000).")
@click.option("--host", default="127.0.0.1", show_default=True)
def serve_command(workers: int | None, port: int | None, host: str) -> None:
    """Serve the application with gunicorn, the production WSGI server."""
    workers = workers or max(2, 2 * (os.cpu_count() or 1))
    port = port or config_module.port()
    argv = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(workers),
        "--bind", f"{host}:{port}",
        "--access-logfile", "-",
        "--forwarded-allow-ips", "127.0.0.1",
        "learn.wsgi:create_served_app()",
    ]  # fmt: skip
    click.echo(f"Serving on http://{host}:{port} with {workers} workers")
    os.execv(sys.executable, argv)


@users.command("create")
@click.argument("email")
@click.option("--name", default=None, help="Full name (default: the part before @).")
@click.option(
    "--role",
    type=click.Choice(["learner", "trainer", "org_admin", "platform_admin"]),
    default="learner",
    show_default=True,
)
@click.option("--organisation", default="Default organisation", show_default=True)
@click.option("--department", default=None)
@click.password_option(
    "--password", envvar="LEARN_NEW_USER_PASSWORD", help="Prompted for if not given."
)
def create_user_command(
    email: str,
    name: str | None,
    role: str,
    organisation: str,
    department: str | None,
    password: str,
) -> None:
    """Create a person with a role."""
    from learn.core.passwords import password_problems
    from learn.models import Role
    from learn.services import accounts

    problems = password_problems(
        password, min_length=current_app.config["PASSWORD_MIN_LENGTH"], email=email
    )
    if problems:
        raise click.ClickException("password refused: " + ", ".join(problems))
    org = accounts.ensure_organisation(organisation)
    dept = accounts.ensure_department(org, department) if department else None
    try:
        user = accounts.create_user(
            accounts.NewAccount(
                name=name or email.split("@")[0],
                email=email,
                password=password,
                organisation_id=org.id,
                department_id=dept.id if dept else None,
                role=Role(role),
            )
        )
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(exc.code.replace("_", " ")) from exc
    click.echo(f"Created {user.email} ({user.role.value}) in {org.name}")


@click.command("ensure-admin")
@with_appcontext
def ensure_admin_command() -> None:
    """Make sure a platform admin exists ($LEARN_ADMIN_EMAIL / $LEARN_ADMIN_PASSWORD)."""
    from learn.services import accounts

    email = current_app.config.get("ADMIN_EMAIL") or "admin@example.org"
    password = current_app.config.get("ADMIN_PASSWORD")
    user, generated = accounts.ensure_admin(
        str(email), str(password) if password else None, "Platform administration"
    )
    if generated:
        click.echo(f"Sign in as {user.email} with the password {generated}")
        click.echo("(set LEARN_ADMIN_EMAIL and LEARN_ADMIN_PASSWORD to choose them)")
    else:
        click.echo(f"Platform admin: {user.email}")


def register_commands(app) -> None:
    """Attach the command groups to the app's CLI."""
    from learn.commands import certificates, content, demo, people

    for command in people.user_commands:
        users.add_command(command)
    app.cli.add_command(users)
    app.cli.add_command(ensure_admin_command)
    for module in (content, certificates, people, demo):
        for command in module.commands:
            app.cli.add_command(command)


def _create_app():
    from learn.factory import create_app

    return create_app()


def main() -> None:
    """Entry point of the ``learn`` console script."""
    cli = FlaskGroup(create_app=_create_app, add_default_commands=True, help=__doc__)
    cli.add_command(init_command)
    cli.add_command(serve_command)
    cli.main()
