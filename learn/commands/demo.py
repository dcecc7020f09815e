"""``learn demo-data``: synthetic organisations, learners and attempts."""

from __future__ import annotations

import time
from datetime import date

import click
from flask.cli import with_appcontext


@click.command("demo-data")
@click.option("--organisations", type=click.IntRange(1), default=10, show_default=True)
@click.option("--learners", type=click.IntRange(0), default=1000, show_default=True)
@click.option(
    "--attempts",
    type=click.IntRange(0),
    default=None,
    help="Quiz attempts in all (default: 10 per learner).",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day the data is made relative to (default: today); same seed and day, same data.",
)
@with_appcontext
def demo_data_command(
    organisations: int, learners: int, attempts: int | None, seed: int, today
) -> None:
    """Fill the database with synthetic organisations, learners, progress and attempts."""
    from learn.services.demo import DemoError, DemoSize, build_demo_data

    size = DemoSize(
        organisations=organisations,
        learners=learners,
        attempts=attempts if attempts is not None else 10 * learners,
        seed=seed,
    )
    started = time.perf_counter()
    try:
        counts = build_demo_data(
            size,
            today=today.date() if today else date.today(),
            progress=lambda message: click.echo(message, err=True),
        )
    except DemoError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Demo data in {time.perf_counter() - started:.1f}s: {counts.summary()}")


commands = [demo_data_command]
