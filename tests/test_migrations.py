"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from learn.config import database_url_for_tests
from learn.extensions import db
from tests.conftest import reset_database

MIGRATIONS = str(Path(__file__).resolve().parents[1] / "migrations")


def test_upgrade_from_empty_matches_the_models(make_app, tmp_path):
    url = database_url_for_tests()
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = make_app(url=url)
    # make_app built the tables from the models; start again from nothing.
    reset_database()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], differences
    assert "users" in inspect(db.engine).get_table_names()
    # And back down to nothing.
    downgrade(directory=MIGRATIONS, revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(directory=MIGRATIONS)
    assert app is not None
