"""``extensions.plain``: plain rows on the session's connection, seeing what the session holds."""

from sqlalchemy import select

from learn.extensions import db, plain
from learn.models import Organisation

NAMES = select(Organisation.name).order_by(Organisation.name)


def test_plain_sees_pending_changes_as_the_session_does(app):
    db.session.add(Organisation(name="Pending ministry"))
    # Not flushed yet: the read must flush first, as the session's own reads do, or a
    # service reading after a change in the same request would miss it.
    assert "Pending ministry" in plain(NAMES).scalars().all()
    assert plain(NAMES).scalars().all() == db.session.scalars(NAMES).all()


def test_plain_reads_in_the_session_transaction(app):
    db.session.add(Organisation(name="Rolled back"))
    db.session.flush()
    assert plain(NAMES).scalars().all() == ["Rolled back"]
    db.session.rollback()
    assert plain(NAMES).scalars().all() == []


def test_plain_gives_rows_not_orm_objects(app, make_org):
    make_org("Plain ministry")
    row = plain(select(Organisation.id, Organisation.name)).one()
    assert row.name == "Plain ministry"
    assert not isinstance(row, Organisation)
    with db.session.no_autoflush:
        db.session.add(Organisation(name="Held back"))
        assert "Held back" not in plain(NAMES).scalars().all()
