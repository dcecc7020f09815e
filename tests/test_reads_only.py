"""``extensions.reads_only``: views that only read run without a transaction on PostgreSQL
and cannot write on any database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from learn.extensions import ReadsOnlyError, db, reads_only, writing
from learn.models import Organisation


def _add_views(app):
    @reads_only
    def options():
        connection = db.session.connection()
        level = connection.get_execution_options().get("isolation_level") or "transaction"
        count = db.session.scalar(select(func.count(Organisation.id)))
        return {"level": level, "organisations": count}

    @reads_only
    def writes():
        db.session.add(Organisation(name="Written while reading"))
        db.session.commit()
        return "stored"

    def ordinary():
        dbapi = db.session.connection().connection.dbapi_connection
        db.session.add(Organisation(name="Written as usual"))
        db.session.commit()
        return "autocommit" if getattr(dbapi, "autocommit", False) is True else "transaction"

    @reads_only
    def writes_apart():
        before = db.session.connection().get_execution_options()
        with writing():
            db.session.add(Organisation(name="Written apart"))
            db.session.commit()
        after = db.session.connection().get_execution_options()
        return {
            "before": [before.get("learn_reads_only", False), before.get("isolation_level")],
            "after": [after.get("learn_reads_only", False), after.get("isolation_level")],
            "organisations": db.session.scalar(select(func.count(Organisation.id))),
        }

    app.add_url_rule("/test/reads", view_func=options)
    app.add_url_rule("/test/reads-write-apart", view_func=writes_apart)
    app.add_url_rule("/test/reads-write", view_func=writes)
    app.add_url_rule("/test/write", view_func=ordinary)


def _names() -> list[str]:
    return db.session.scalars(select(Organisation.name)).all()


def test_a_reading_view_runs_outside_a_transaction_on_postgresql(app, make_org):
    _add_views(app)
    make_org("Ministry of Reading")
    answer = app.test_client().get("/test/reads").get_json()
    expected = "AUTOCOMMIT" if db.engine.dialect.name == "postgresql" else "transaction"
    assert answer == {"level": expected, "organisations": 1}


def test_a_reading_view_that_writes_is_refused(app):
    _add_views(app)
    with pytest.raises(ReadsOnlyError):
        app.test_client().get("/test/reads-write")
    db.session.rollback()
    assert "Written while reading" not in _names()


def test_other_views_write_in_a_transaction_after_a_reading_one(app):
    _add_views(app)
    client = app.test_client()
    client.get("/test/reads")  # its connection goes back to the pool as it came
    assert client.get("/test/write").data == b"transaction"
    db.session.rollback()
    assert _names() == ["Written as usual"]


def test_a_reading_view_writes_in_a_transaction_of_its_own_when_it_says_so(app):
    _add_views(app)
    answer = app.test_client().get("/test/reads-write-apart").get_json()
    level = "AUTOCOMMIT" if db.engine.dialect.name == "postgresql" else None
    assert answer == {"before": [True, level], "after": [False, None], "organisations": 1}
    db.session.rollback()
    assert _names() == ["Written apart"]


def test_writing_outside_a_reading_request_keeps_the_transaction(app, make_org):
    with app.test_request_context():
        db.session.add(Organisation(name="Pending"))
        db.session.flush()
        with writing():
            pass
        assert db.session().in_transaction() and "Pending" in _names()
        db.session.rollback()
