"""Bulk enrolment from CSV: parsing, checking every row, all-or-nothing, and the command."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from learn.extensions import db
from learn.models import AuditEvent, Department, Enrolment, PasswordReset, PeopleImport, Role, User
from learn.services import people
from learn.services.scope import Scope

FUTURE = (date.today() + timedelta(days=30)).isoformat()
PAST = (date.today() - timedelta(days=1)).isoformat()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def upload(client, text: str | bytes, name: str = "people.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


# --- reading the file --------------------------------------------------------------------


def test_reads_bom_semicolons_quoted_fields_and_non_latin_names():
    text = (
        "\ufeffName;E-mail;Organisation;Department;Role;Track;Due date\r\n"
        '"Nguyễn, Thị Lan";lan@example.gov;Ministry A;Procurement;;;\r\n'
        'Олена Коваленко;olena@example.gov;"Ministry A";"Finance; Audit";learner;;\r\n'
        "محمد الحداد;mohammed@example.gov;Ministry A;;;;\r\n"
    )
    rows = people.read_people_csv(text.encode("utf-8"))
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].values["name"] == "Nguyễn, Thị Lan"
    assert rows[1].values["department"] == "Finance; Audit"
    assert rows[2].values["name"] == "محمد الحداد"


def test_reads_commas_with_quoted_commas_and_header_in_any_case():
    text = 'EMAIL,NAME,Due Date\na@example.gov,"Diallo, Amina",\n'
    rows = people.read_people_csv(text.encode())
    assert rows[0].values["name"] == "Diallo, Amina"
    assert rows[0].values["email"] == "a@example.gov"


def test_line_numbers_count_blank_lines_and_multi_line_fields():
    text = 'name,email\n"Two\nlines",a@example.gov\n\nC,c@example.gov\n'
    rows = people.read_people_csv(text.encode())
    assert [r.line for r in rows] == [2, 5]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"name,email\n", "no_rows"),
        (b"name,organisation\nA,B\n", "missing_columns"),
        ("name,email\nZo\xeb,z@example.gov\n".encode("latin-1"), "not_utf8"),
    ],
)
def test_refuses_files_it_cannot_read(data, code):
    with pytest.raises(people.CsvFileError) as caught:
        people.read_people_csv(data)
    assert caught.value.code == code


# --- checking rows -----------------------------------------------------------------------


def _codes(row: dict) -> list[str]:
    return [e["code"] for e in row["errors"]]


def test_every_bad_row_is_reported_with_its_line_and_reason(
    app, demo_course, make_user, org_a, platform_admin
):
    make_user(org=org_a, email="taken@example.gov")
    text = (
        "name,email,organisation,department,role,track,due date\n"
        f"Good One,good@example.gov,Ministry A,Procurement,,buyers,{FUTURE}\n"
        "Bad Email,not-an-email,Ministry A,,,,\n"
        "Unknown Track,track@example.gov,Ministry A,,,astronauts,\n"
        f"Past Date,past@example.gov,Ministry A,,,buyers,{PAST}\n"
        "Twin One,twin@example.gov,Ministry A,,,,\n"
        "Twin Two,TWIN@example.gov,Ministry A,,,,\n"
        "Taken,taken@example.gov,Ministry A,,,,\n"
        ",noname@example.gov,Ministry A,,,,\n"
        "Bad Role,role@example.gov,Ministry A,,wizard,,\n"
        "Bad Date,date@example.gov,Ministry A,,,buyers,31/02/2030\n"
    )
    rows = people.check_rows(platform_admin, Scope(None), people.read_people_csv(text.encode()))
    by_line = {r["line"]: _codes(r) for r in rows}
    assert by_line == {
        2: [],
        3: ["bad_email"],
        4: ["unknown_track"],
        5: ["date_in_past"],
        6: ["duplicate_in_file"],
        7: ["duplicate_in_file"],
        8: ["email_taken"],
        9: ["missing_name"],
        10: ["unknown_role"],
        11: ["bad_date"],
    }
    assert rows[4]["errors"][0]["line"] == 7 and rows[5]["errors"][0]["line"] == 6


def test_org_admin_rows_must_be_their_organisation_and_roles(app, org_a, org_b, admin_a):
    text = (
        "name,email,organisation,role\n"
        "Mine,mine@example.gov,,trainer\n"
        "Theirs,theirs@example.gov,Ministry B,\n"
        "Too High,high@example.gov,Ministry A,platform_admin\n"
    )
    rows = people.check_rows(admin_a, Scope(org_a.id), people.read_people_csv(text.encode()))
    assert [_codes(r) for r in rows] == [[], ["organisation_not_yours"], ["role_not_allowed"]]
    assert rows[0]["resolved"]["organisation"] == "Ministry A"


# --- through the pages -------------------------------------------------------------------


def test_admin_enrols_a_department_from_csv(client, login, admin_a, org_a, demo_course):
    login(admin_a)
    text = (
        "name,email,department,track,due date\n"
        f"Amina Diallo,amina@example.gov,Procurement,buyers,{FUTURE}\n"
        f"Zoë Okafor,zoe@example.gov,Procurement,buyers,{FUTURE}\n"
    )
    response = upload(client, text)
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    html = preview.get_data(as_text=True)
    assert "Amina Diallo" in html and "Zoë Okafor" in html
    assert count(User) == 1  # nothing imported yet
    done = client.post(response.headers["Location"], data={"links": "screen"})
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert html.count("/reset/") == 2
    amina = db.session.scalar(select(User).where(User.email == "amina@example.gov"))
    assert amina.password_hash is None and amina.role == Role.LEARNER
    assert amina.department.name == "Procurement"
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == amina.id))
    assert enrolment.track_slug == "buyers" and enrolment.due_on.isoformat() == FUTURE
    assert enrolment.origin == "admin"
    assert count(PasswordReset) == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "people_imported"))
    assert event.detail == {"imported": 2, "skipped": 0}


def test_preview_lists_bad_rows_and_imports_nothing_without_consent(
    client, login, admin_a, demo_course
):
    login(admin_a)
    text = "name,email,track\nGood,good@example.gov,buyers\nBad,bad-email,buyers\n"
    location = upload(client, text).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "the email address is not valid" in html
    assert '<th scope="row">3</th>' in html
    response = client.post(location, data={"links": "screen"})
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "good@example.gov")) is None


def test_good_only_imports_the_good_rows(client, login, admin_a, demo_course):
    login(admin_a)
    text = "name,email\nGood,good@example.gov\nBad,bad-email\n"
    location = upload(client, text).headers["Location"]
    response = client.post(location, data={"good_only": "y", "links": "screen"})
    assert response.status_code == 200
    assert "1 row with problems was left out" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == "good@example.gov")) is not None
    # A confirmed import cannot be confirmed twice.
    assert client.post(location, data={"good_only": "y"}).status_code == 409


def test_links_can_be_downloaded_as_csv(client, login, admin_a):
    login(admin_a)
    location = upload(client, "name,email\n=cmd|calc,good@example.gov\n").headers["Location"]
    response = client.post(location, data={"links": "csv"})
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "good@example.gov" in body and "/reset/" in body
    assert "'=cmd|calc" in body  # formula injection guarded


def test_rows_are_checked_again_when_confirmed(client, login, admin_a, make_user, org_a):
    login(admin_a)
    location = upload(client, "name,email\nLate,late@example.gov\n").headers["Location"]
    make_user(org=org_a, email="late@example.gov")  # someone took it meanwhile
    response = client.post(location, data={"links": "screen"})
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.email == "late@example.gov")) == 1
    )


def test_import_is_all_or_nothing_if_writing_fails(app, admin_a, org_a, monkeypatch):
    rows = people.read_people_csv(b"name,email\nA,a@example.gov\nB,b@example.gov\n")

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(people, "reset_url", broken)
    with pytest.raises(RuntimeError):
        people.import_rows(admin_a, Scope(org_a.id), rows, good_only=False)
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.email.like("_@example.gov"))) == 0
    )


def test_another_admin_cannot_see_or_confirm_my_upload(
    client, login, admin_a, auth, make_user, org_a
):
    other = make_user(Role.ORG_ADMIN, org=org_a)
    login(admin_a)
    location = upload(client, "name,email\nA,a@example.gov\n").headers["Location"]
    auth.logout()
    login(other)
    assert client.get(location).status_code == 404
    assert client.post(location, data={"links": "screen"}).status_code == 404


def test_unreadable_upload_shows_an_error(client, login, admin_a):
    login(admin_a)
    response = upload(client, "name,organisation\nA,B\n")
    assert response.status_code == 422
    assert "no column for: email" in response.get_data(as_text=True)
    assert count(PeopleImport) == 0


def test_platform_admin_import_creates_organisations_and_departments(client, login, platform_admin):
    login(platform_admin)
    location = upload(
        client, "name,email,organisation,department\nA,a@example.gov,New Agency,Legal\n"
    ).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "a new organisation “New Agency” will be created" in html
    client.post(location, data={"links": "screen"})
    person = db.session.scalar(select(User).where(User.email == "a@example.gov"))
    assert person.organisation.name == "New Agency" and person.department.name == "Legal"


# --- the command line ----------------------------------------------------------------------


def test_cli_import_all_or_nothing_then_good_only(runner, tmp_path, org_a, demo_course):
    path = tmp_path / "people.csv"
    path.write_text(
        "name;email;organisation;track\nA;a@example.gov;Ministry A;buyers\nB;bad;Ministry A;\n",
        encoding="utf-8-sig",
    )
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:3: the email address is not valid" in result.output
    assert count(User) == 0
    links = tmp_path / "links.csv"
    result = runner.invoke(
        args=["users", "import", str(path), "--good-only", "--links", str(links)]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 1 people; skipped 1" in result.output
    assert "a@example.gov" in links.read_text() and "/reset/" in links.read_text()
    assert db.session.scalar(select(func.count(Department.id))) == 2


def test_unconfirmed_uploads_are_not_kept(app, admin_a, org_a):
    from learn.models.base import utcnow

    old = PeopleImport(
        created_by_id=admin_a.id,
        filename="old.csv",
        rows=[{"values": {"email": "someone@example.gov"}}],
        created_at=utcnow() - timedelta(days=3),
    )
    db.session.add(old)
    db.session.commit()
    people.preview_import(admin_a, Scope(org_a.id), "new.csv", b"name,email\nA,a@example.gov\n")
    assert db.session.scalars(select(PeopleImport.filename)).all() == ["new.csv"]
