"""Course packages: export, preview, all-or-nothing import, zip safety, round-trip identity."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest
from PIL import Image
from sqlalchemy import func, select

from learn.extensions import db
from learn.models import (
    AuditEvent,
    ContentPackage,
    Course,
    CourseVersion,
    Module,
    ModuleImage,
    ModuleVersion,
    QuizVersion,
)
from learn.services import packages
from learn.services.catalogue import import_path
from tests.conftest import DATA


def files_of(root) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.parts[len(root.parts)] in ("courses", "quizzes")
    }


def make_zip(files: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


DEMO = files_of(DATA / "content")


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Course, CourseVersion, Module, ModuleVersion, QuizVersion, ModuleImage)
    )


def content_hashes() -> set[tuple[str, str, str]]:
    rows = set()
    for course in db.session.scalars(select(Course)):
        rows.add(("course", course.slug, course.live_version.content_hash))
        for module in course.modules:
            rows.add(("module", module.slug, module.live_version.content_hash))
            rows.add(("quiz", module.slug, module.live_quiz_version.content_hash))
            rows.add(("position", module.slug, str(module.live_version.position)))
    return rows


def test_export_lays_out_courses_and_quizzes(demo_course):
    data = packages.export_course_zip("demo")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert set(names) == set(DEMO)
        for name in names:
            assert archive.read(name) == DEMO[name]
    assert packages.export_course_zip("demo") == data  # same content, same bytes
    assert packages.export_course_zip("nope") is None


def test_export_from_the_browser(client, auth, trainer, demo_course):
    auth.login(trainer)
    response = client.get("/author/courses/demo/export.zip")
    assert response.mimetype == "application/zip"
    assert 'filename="demo.zip"' in response.headers["Content-Disposition"]
    assert response.data == packages.export_course_zip("demo")


def test_cli_export(app, runner, demo_course, tmp_path):
    target = tmp_path / "demo.zip"
    result = runner.invoke(args=["content", "export", "demo", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == packages.export_course_zip("demo")


def test_export_then_import_into_an_empty_database_is_identical(
    app, make_app, make_user, client, steps, trainer, reviewer, demo_course
):
    # Some history first: an edited module with an image, published through review.
    steps.as_(trainer)
    png = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 0, 255)).save(png, "PNG")
    form = steps.module_form("demo", "intro")
    form.update(action="upload", image_alt="Blue", image=(io.BytesIO(png.getvalue()), "b.png"))
    client.post(
        "/author/courses/demo/modules/intro/edit", data=form, content_type="multipart/form-data"
    )
    image = db.session.scalar(select(ModuleImage))
    sha, filename = image.sha256, image.filename
    body = steps.module_form("demo", "intro")["body"] + f"\n![Blue]({image.path})\n"
    steps.publish_module(trainer, reviewer, "demo", "intro", body=body, title="Edited title")
    before = content_hashes()
    exported = packages.export_course_zip("demo")
    names = zipfile.ZipFile(io.BytesIO(exported)).namelist()
    assert f"courses/demo/media/{sha}/{filename}" in names

    # A second app with an empty database (on PostgreSQL the same database, emptied).
    db.session.remove()
    db.engine.dispose()
    make_app()
    assert counts() == (0, 0, 0, 0, 0, 0)
    uploader, confirmer = make_user("trainer"), make_user("trainer")
    package = packages.upload_package(exported, "demo.zip", uploader)
    packages.confirm_package(package, confirmer)
    assert content_hashes() == before
    restored = db.session.scalar(select(ModuleImage))
    assert (restored.sha256, restored.filename) == (sha, filename)
    assert packages.export_course_zip("demo") == exported


def upload_and_preview(client, data: bytes, name: str = "package.zip"):
    return client.post(
        "/author/import",
        data={"package": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_preview_shows_what_would_change_and_changes_nothing(client, auth, trainer, demo_course):
    files = dict(DEMO)
    files["courses/demo/01-intro.md"] = files["courses/demo/01-intro.md"].replace(
        b"Public buyers spend", b"Public buyers spend a great deal and"
    )
    files["courses/other/course.yml"] = DEMO["courses/demo/course.yml"].replace(
        b"slug: demo", b"slug: other"
    )
    for name in ("01-intro.md", "02-red-flags.md", "03-responding.md"):
        files[f"courses/other/{name}"] = DEMO[f"courses/demo/{name}"]
    for name in ("intro.yml", "red-flags.yml", "responding.yml"):
        files[f"quizzes/other/{name}"] = DEMO[f"quizzes/demo/{name}"]
    auth.login(trainer)
    before = counts()
    response = upload_and_preview(client, make_zip(files))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "7 new, 1 changed, 6 unchanged" in html
    assert "You uploaded this package" in html  # four eyes: someone else confirms
    assert counts() == before


def test_confirm_imports_everything_by_another_trainer(
    client, steps, trainer, reviewer, demo_course
):
    files = dict(DEMO)
    files["courses/demo/01-intro.md"] = files["courses/demo/01-intro.md"].replace(
        b"Why buying matters", b"Why public buying matters"
    )
    steps.as_(trainer)
    location = upload_and_preview(client, make_zip(files)).headers["Location"]
    package_id = int(location.rsplit("/", 1)[1])
    assert client.post(f"/author/import/{package_id}/confirm").status_code == 403
    steps.as_(reviewer)
    assert "Import everything" in client.get(location).get_data(as_text=True)
    response = client.post(f"/author/import/{package_id}/confirm")
    assert response.status_code == 302
    db.session.expire_all()
    module = db.session.scalar(select(Module).where(Module.slug == "intro"))
    assert module.live_version.title == "Why public buying matters"
    assert module.live_version.created_by_id == reviewer.id
    package = db.session.get(ContentPackage, package_id)
    assert package.outcome == "imported" and package.closed_by_id == reviewer.id
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "package_uploaded" in actions and "package_imported" in actions
    assert "content_imported" in actions
    # A package is imported once.
    assert client.post(f"/author/import/{package_id}/confirm").status_code == 409


def test_a_broken_file_imports_nothing(client, steps, trainer, reviewer, demo_course):
    files = dict(DEMO)
    files["courses/demo/01-intro.md"] = files["courses/demo/01-intro.md"].replace(
        b"Why buying matters", b"A changed title"
    )
    files["quizzes/demo/red-flags.yml"] = b"format: 1\nmodule: red-flags\npass_mark: 500\n"
    steps.as_(trainer)
    location = upload_and_preview(client, make_zip(files)).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "This package cannot be imported" in html
    assert "quizzes/demo/red-flags.yml:3: &#39;pass_mark&#39; in the quiz must be" in html
    assert "Import everything" not in html
    before = counts()
    steps.as_(reviewer)
    response = client.post(location + "/confirm")
    assert response.status_code == 400
    assert counts() == before
    db.session.expire_all()
    module = db.session.scalar(select(Module).where(Module.slug == "intro"))
    assert module.live_version.title == "Why buying matters"


def test_failure_during_import_rolls_everything_back(
    steps, client, trainer, reviewer, demo_course, monkeypatch
):
    files = dict(DEMO)
    files["courses/demo/01-intro.md"] = files["courses/demo/01-intro.md"].replace(
        b"Why buying matters", b"Half imported?"
    )
    steps.as_(trainer)
    package = packages.upload_package(make_zip(files), "p.zip", trainer)
    from learn.services import catalogue

    real = catalogue._import_course

    def explode(course, quizzes, actor):
        real(course, quizzes, actor)
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalogue, "_import_course", explode)
    before = counts()
    with pytest.raises(RuntimeError):
        packages.confirm_package(package, reviewer)
    db.session.expire_all()
    assert counts() == before
    assert db.session.get(ContentPackage, package.id).closed_at is None


@pytest.mark.parametrize(
    ("files", "links", "fragment"),
    [
        ({"../evil.md": b"x"}, (), "a path outside the package"),
        ({"courses/../../evil.md": b"x"}, (), "a path outside the package"),
        ({"/etc/cron.d/x": b"x"}, (), "a path outside the package"),
        ({"courses\\demo\\x.md": b"x"}, (), "a path outside the package"),
        ({}, ("courses/demo/link.md",), "links are not allowed"),
        ({"courses/demo/evil.html": b"<script>"}, (), "unexpected file"),
        ({"README.md": b"hi", "courses/demo/course.yml": b"x"}, (), "unexpected file"),
        ({"courses/demo/01-intro.md": "héllo".encode("latin-1")}, (), "not UTF-8"),
        ({"courses/demo/media/abc/x.svg": b"<svg/>"}, (), "Only PNG and JPEG"),
    ],
)
def test_unsafe_packages_are_refused(app, trainer, demo_course, files, links, fragment):
    with pytest.raises(packages.PackageError) as info:
        packages.read_package(make_zip(files, links))
    assert any(fragment in p for p in info.value.problems), info.value.problems


def test_not_a_zip(client, auth, trainer, demo_course):
    auth.login(trainer)
    response = upload_and_preview(client, b"<html>not a zip</html>", "x.zip")
    assert response.status_code == 422
    assert "The file is not a zip archive." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ContentPackage.id))) == 0


def test_zip_bomb_is_refused(make_app, make_user):
    app = make_app(AUTHOR_PACKAGE_MAX_UNPACKED_BYTES=100_000)
    big = make_zip({"courses/demo/01-intro.md": b"a" * 200_000})
    assert len(big) < 5_000  # it compresses very well
    with pytest.raises(packages.PackageError, match="unpacks to"):
        packages.read_package(big)
    assert app.config["AUTHOR_PACKAGE_MAX_UNPACKED_BYTES"] == 100_000


def test_too_many_files_is_refused(make_app):
    make_app(AUTHOR_PACKAGE_MAX_FILES=3)
    with pytest.raises(packages.PackageError, match="at most 3"):
        packages.read_package(make_zip(DEMO))


def test_a_single_top_folder_is_allowed(app, demo_course):
    wrapped = make_zip({f"demo-export/{name}": data for name, data in DEMO.items()})
    loaded = packages.load_package(wrapped)
    assert [c.slug for c, _ in loaded.tree] == ["demo"]


def test_missing_image_is_refused(app, demo_course):
    files = dict(DEMO)
    files["courses/demo/01-intro.md"] += b"\n![A map](/media/" + b"a" * 64 + b"/map.png)\n"
    with pytest.raises(packages.PackageError, match="neither in the package nor on this site"):
        packages.load_package(make_zip(files))


def test_upload_size_limit(make_app, make_user):
    from tests.conftest import AuthActions

    app = make_app(AUTHOR_PACKAGE_MAX_BYTES=1_000)
    import_path(DATA / "content")
    client = app.test_client()
    AuthActions(client).login(make_user("trainer"))
    response = upload_and_preview(client, make_zip(DEMO))
    assert response.status_code == 422
    assert "larger than" in response.get_data(as_text=True)


def test_discard_a_package(client, auth, trainer, demo_course):
    auth.login(trainer)
    location = upload_and_preview(client, make_zip(DEMO)).headers["Location"]
    assert client.post(location + "/discard").status_code == 302
    package = db.session.scalar(select(ContentPackage))
    assert package.outcome == "discarded"
    assert "was discarded" in client.get(location).get_data(as_text=True)
