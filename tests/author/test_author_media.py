"""Module images: checked by content, size-capped, served with their type to the right people."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from learn.extensions import db
from learn.models import ModuleImage, Role
from learn.services import media

EDIT = "/author/courses/demo/modules/intro/edit"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.mark.parametrize(
    ("data", "mime", "extension"), [(PNG, "image/png", "png"), (JPEG, "image/jpeg", "jpg")]
)
def test_png_and_jpeg_are_accepted(data, mime, extension):
    info = media.check_image(data, 2_000_000)
    assert (info.mime_type, info.extension, info.width, info.height) == (mime, extension, 4, 3)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (SVG, "Only PNG and JPEG"),
        (HTML, "Only PNG and JPEG"),
        (b"GIF89a" + PNG[6:], "Only PNG and JPEG"),
        (PNG[:8] + HTML, "could not be read"),  # PNG magic, HTML inside
        (PNG[: len(PNG) // 2], "could not be read"),  # truncated
        (JPEG[:3] + SVG, "could not be read"),
        (b"", "empty"),
    ],
)
def test_anything_else_is_refused(data, fragment):
    with pytest.raises(media.MediaError) as info:
        media.check_image(data, 2_000_000)
    assert fragment in info.value.message


def test_size_cap():
    with pytest.raises(media.MediaError, match="largest allowed"):
        media.check_image(PNG, len(PNG) - 1)


def test_too_many_pixels_refused(monkeypatch):
    monkeypatch.setattr(media, "MAX_PIXELS", 10)
    with pytest.raises(media.MediaError, match="too many pixels"):
        media.check_image(PNG, 2_000_000)


def test_safe_filename():
    assert media.safe_filename("../../etc/Passwd.svg", "png") == "passwd.png"
    assert media.safe_filename("Map of Tier 2 <b>.JPG", "jpg") == "map-of-tier-2-b.jpg"
    assert media.safe_filename("...", "png") == "image.png"


def upload(client, steps, data: bytes, name: str, alt: str = "A red square"):
    form = steps.module_form("demo", "intro")
    form.update(action="upload", image_alt=alt, image=(io.BytesIO(data), name))
    return client.post(EDIT, data=form, content_type="multipart/form-data")


def test_upload_adds_the_image_to_the_body(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    response = upload(client, steps, PNG, "Red Square.png")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    image = db.session.scalar(select(ModuleImage))
    assert image.mime_type == "image/png" and image.filename == "red-square.png"
    assert image.created_by_id == trainer.id and image.sha256 in image.path
    assert f"![A red square]({image.path})" in html
    # Uploading the same bytes again stores nothing new.
    upload(client, steps, PNG, "again.png")
    assert db.session.scalar(select(func.count(ModuleImage.id))) == 1


@pytest.mark.parametrize(
    ("data", "name"), [(SVG, "x.svg"), (SVG, "x.png"), (HTML, "page.html"), (HTML, "a.jpg")]
)
def test_upload_of_svg_or_html_is_refused(client, auth, steps, trainer, demo_course, data, name):
    auth.login(trainer)
    response = upload(client, steps, data, name)
    assert response.status_code == 422
    assert "Only PNG and JPEG images can be uploaded" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ModuleImage.id))) == 0


def test_upload_needs_alt_text(client, auth, steps, trainer, demo_course):
    auth.login(trainer)
    response = upload(client, steps, PNG, "a.png", alt="")
    assert response.status_code == 422
    assert "Describe the image" in response.get_data(as_text=True)


def test_oversized_upload_is_refused(make_app, make_user):
    from learn.services.catalogue import import_path
    from tests.author.conftest import Steps
    from tests.conftest import DATA, AuthActions

    app = make_app(AUTHOR_IMAGE_MAX_BYTES=len(PNG) - 1)
    import_path(DATA / "content")
    client = app.test_client()
    steps = Steps(client, AuthActions(client)).as_(make_user(Role.TRAINER))
    response = upload(client, steps, PNG, "a.png")
    assert response.status_code == 422 and "largest allowed" in response.get_data(as_text=True)


def test_serving_rules(client, steps, trainer, reviewer, make_user, demo_course):
    steps.as_(trainer)
    upload(client, steps, PNG, "square.png")
    image = db.session.scalar(select(ModuleImage))
    url = image.path

    response = client.get(url)
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(url.replace("square.png", "other.png")).status_code == 404
    assert client.get("/media/" + "0" * 64 + "/square.png").status_code == 404

    learner = make_user()
    steps.as_(learner)
    assert client.get(url).status_code == 404  # only in a draft so far
    steps.auth.logout()
    response = client.get(url)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")

    body = steps.module_form("demo", "intro")["body"] + f"\n![A red square]({url})\n"
    steps.publish_module(trainer, reviewer, "demo", "intro", body=body)
    steps.as_(learner)
    assert client.get(url).status_code == 200
    steps.as_(make_user())
    page = client.get("/courses/demo/modules/intro").get_data(as_text=True)
    assert f'<img alt="A red square" src="{url}"' in page


def test_jpeg_is_served_as_jpeg(client, steps, trainer, demo_course):
    steps.as_(trainer)
    upload(client, steps, JPEG, "photo.jpeg")
    image = db.session.scalar(select(ModuleImage))
    assert image.filename == "photo.jpg"
    response = client.get(image.path)
    assert response.mimetype == "image/jpeg" and response.data == JPEG
