"""The ``learn`` command line."""

from __future__ import annotations

import shutil

from sqlalchemy import func, select

from learn.extensions import db
from learn.models import Course, ModuleImage, ModuleVersion, Role, User
from tests.conftest import DATA


def test_users_create_with_role(runner):
    result = runner.invoke(
        args=["users", "create", "trainer@example.gov", "--role", "trainer",
              "--organisation", "Ministry", "--password", "a long enough passphrase"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "trainer@example.gov"))
    assert user.role == Role.TRAINER and user.organisation.name == "Ministry"


def test_users_create_refuses_a_weak_password_and_a_duplicate(runner):
    result = runner.invoke(args=["users", "create", "a@example.gov", "--password", "short"])
    assert result.exit_code != 0 and "password refused" in result.output
    args = ["users", "create", "a@example.gov", "--password", "a long enough passphrase"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "email taken" in result.output


def test_content_check_prints_file_line_and_exits_non_zero(runner, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(DATA / "content", root)
    quiz = root / "quizzes" / "demo" / "intro.yml"
    quiz.write_text(quiz.read_text().replace("pass_mark: 70", "pass_mark: 170"))
    result = runner.invoke(args=["content", "check", str(root)])
    assert result.exit_code != 0
    assert "intro.yml:3:" in result.output and "pass_mark" in result.output


def test_content_import_is_all_or_nothing_and_idempotent(runner, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(DATA / "content", root)
    broken = root / "quizzes" / "demo" / "responding.yml"
    good = broken.read_text()
    broken.write_text("questions: [")
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code != 0 and "nothing imported" in result.output
    assert db.session.scalar(select(func.count(Course.id))) == 0
    broken.write_text(good)
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    versions = db.session.scalar(select(func.count(ModuleVersion.id)))
    result = runner.invoke(args=["content", "import", str(root)])
    assert "0 new, 0 changed" in result.output
    assert db.session.scalar(select(func.count(ModuleVersion.id))) == versions


def test_changed_file_becomes_a_new_version_and_the_old_one_is_kept(runner, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(DATA / "content", root)
    runner.invoke(args=["content", "import", str(root)])
    module = next((root / "courses" / "demo").glob("01-*.md"))
    module.write_text(module.read_text() + "\nOne more paragraph.\n")
    result = runner.invoke(args=["content", "import", str(root)])
    assert "1 changed" in result.output
    numbers = db.session.scalars(select(ModuleVersion.number)).all()
    assert max(numbers) == 2


def test_ensure_admin_prints_how_to_sign_in(app, runner):
    app.config["ADMIN_EMAIL"] = "boss@example.gov"
    result = runner.invoke(args=["ensure-admin"])
    assert (
        result.exit_code == 0 and "Sign in as boss@example.gov with the password" in result.output
    )
    assert db.session.scalar(select(User).where(User.email == "boss@example.gov")).role == (
        Role.PLATFORM_ADMIN
    )
    result = runner.invoke(args=["ensure-admin"])
    assert "Platform admin: boss@example.gov" in result.output


def _folder_with_image(tmp_path, image: bytes, sha: str | None = None):
    """Copy the demo content, put ``image`` in its media folder and show it in a module."""
    import hashlib

    root = tmp_path / "content"
    shutil.copytree(DATA / "content", root)
    sha = sha or hashlib.sha256(image).hexdigest()
    folder = root / "courses" / "demo" / "media" / sha
    folder.mkdir(parents=True)
    (folder / "flow.png").write_bytes(image)
    module = next((root / "courses" / "demo").glob("01-*.md"))
    module.write_text(
        module.read_text().replace("\n## ", f"\n![A supply chain](/media/{sha}/flow.png)\n\n## ", 1)
    )
    return root


def test_content_import_brings_the_images_of_a_folder(runner, tmp_path):
    from tests.author.test_author_media import PNG

    root = _folder_with_image(tmp_path, PNG)
    result = runner.invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output
    image = db.session.scalar(select(ModuleImage))
    assert image.data == PNG and image.filename == "flow.png"
    # Again: the image is already there, nothing changes.
    assert runner.invoke(args=["content", "import", str(root)]).exit_code == 0
    assert db.session.scalar(select(func.count(ModuleImage.id))) == 1


def test_a_bad_or_missing_image_imports_nothing(runner, tmp_path):
    from tests.author.test_author_media import PNG

    not_png = _folder_with_image(tmp_path / "a", b"<svg onload='alert(1)'></svg>")
    wrong_name = _folder_with_image(tmp_path / "b", PNG, sha="0" * 64)
    missing = _folder_with_image(tmp_path / "c", PNG)
    shutil.rmtree(missing / "courses" / "demo" / "media")
    for root, fragment in (
        (not_png, "Only PNG and JPEG"),
        (wrong_name, "not the SHA-256"),
        (missing, "neither in the folder nor on this site"),
    ):
        result = runner.invoke(args=["content", "import", str(root)])
        assert result.exit_code != 0 and "nothing imported" in result.output
        assert fragment in result.output, result.output
        assert db.session.scalar(select(func.count(Course.id))) == 0
        assert db.session.scalar(select(func.count(ModuleImage.id))) == 0
