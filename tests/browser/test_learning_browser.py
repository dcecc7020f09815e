"""A new learner goes through a track in Chromium: register, read, fail, retry, pass, certify."""

from __future__ import annotations

import re
import subprocess

import pytest

from learn.extensions import db
from learn.models import Organisation
from tests.browser.conftest import check_accessibility, visit
from tests.helpers import right_answer, wrong_answer

pytestmark = pytest.mark.browser
PASSWORD = "a long and memorable passphrase"


def _seed_org():
    db.session.add(Organisation(name="City Council"))
    db.session.commit()


def register(page, url, email="learner@council.example.gov", track="Contract managers"):
    visit(page, url + "/register")
    page.get_by_label("Full name").fill("Анна Петрова")
    page.get_by_label("Work email address").fill(email)
    page.get_by_label("Organisation").select_option(label="City Council")
    page.get_by_label("Which training is for you?").select_option(label=track)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()


def quiz_for(live_server, attempt_url):
    """Return the attempt's quiz and question order from the server (for the test only)."""
    from learn.models import QuizAttempt
    from learn.services import learning

    attempt_id = int(re.search(r"/attempts/(\d+)", attempt_url).group(1))

    def load():
        attempt = db.session.get(QuizAttempt, attempt_id)
        return learning.attempt_quiz(attempt), list(attempt.question_ids)

    return live_server.run(load)


def answer_current(page, question, right: bool) -> None:
    """Answer the question on screen through the form, as a person would."""
    answer = right_answer(question) if right else wrong_answer(question)
    if question.type == "branching":
        for choice in answer:
            page.locator(f"#choice-{choice}").check()
            page.get_by_role("button", name="Check my answer").click()
            if page.get_by_role("link", name="Continue the scenario").count():
                page.get_by_role("link", name="Continue the scenario").click()
        return
    if question.type == "ordering":
        for position, option_id in enumerate(answer, start=1):
            page.locator(f"#position-{option_id}").select_option(str(position))
    else:
        for option_id in answer:
            page.locator(f"#option-{option_id}").check()
    page.get_by_role("button", name="Check my answer").click()


def take_quiz(page, live_server, right: bool, audit: bool = False) -> None:
    quiz, order = quiz_for(live_server, page.url)
    for i, question_id in enumerate(order):
        if audit and i == 0:
            check_accessibility(page, "question")
        answer_current(page, quiz.question(question_id), right)
        if audit and i == 0:
            check_accessibility(page, "feedback")
        next_link = page.get_by_role("link", name="Next question")
        if next_link.count():
            next_link.click()
        else:
            page.get_by_role("link", name="See your result").click()


def test_learner_fails_then_passes_and_sees_progress(seed_demo, page):
    live = seed_demo
    live.run(_seed_org)
    register(page, live.url)
    visit(page, live.url + "/courses")
    check_accessibility(page, "catalogue")
    visit(page, live.url + "/learning")
    assert "0 of 2 modules complete (0%)" in page.content()
    page.get_by_role("link", name=re.compile("Start:")).click()
    check_accessibility(page, "module")
    assert "Gender lens" in page.content()  # the managers track turns the gender lens on
    assert "Age lens" not in page.content()  # ...and not the age lens
    page.get_by_role("button", name="I have read this: go to the quiz").click()
    check_accessibility(page, "quiz start")
    page.get_by_role("button", name="Start the quiz").click()
    take_quiz(page, live, right=False, audit=True)
    assert "Not passed this time" in page.content()
    check_accessibility(page, "summary (failed)")
    page.get_by_role("button", name="Try again").click()
    take_quiz(page, live, right=True)
    assert "You passed" in page.content()
    check_accessibility(page, "summary (passed)")
    visit(page, live.url + "/learning")
    assert "1 of 2 modules complete (50%)" in page.content()
    check_accessibility(page, "my learning")


def test_complete_track_download_pdf_and_verify_from_qr(seed_demo, page, tmp_path):
    live = seed_demo
    live.run(_seed_org)
    register(page, live.url, email="cert@council.example.gov")
    for _ in range(2):
        visit(page, live.url + "/learning")
        page.get_by_role("link", name=re.compile("Start:")).click()
        page.get_by_role("button", name="I have read this: go to the quiz").click()
        page.get_by_role("button", name="Start the quiz").click()
        take_quiz(page, live, right=True)
    assert "Track complete" in page.content()
    visit(page, live.url + "/learning")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("Download PDF")).click()
    pdf = tmp_path / "certificate.pdf"
    info.value.save_as(pdf)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "Анна Петрова" in text.stdout and "Contract managers" in text.stdout
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(tmp_path / "page")],
        check=True,
    )
    scan = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True
    )
    assert scan.returncode == 0, scan.stderr
    verify_url = scan.stdout.strip()
    assert verify_url.startswith(live.url + "/verify/")
    page.context.clear_cookies()
    visit(page, verify_url)
    assert "This certificate is valid" in page.content()
    assert "Анна Петрова" in page.content()
    check_accessibility(page, "verify")
