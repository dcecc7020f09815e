"""Authoring in Chromium: a trainer writes a module with a lens block and a branching question,
another trainer publishes them, a learner reads the result; authoring pages pass axe-core; and
hostile text published through the editor runs nothing in the browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learn.extensions import db
from learn.models import Organisation, Role
from tests.browser.conftest import check_accessibility, visit
from tests.content.hostile import HOSTILE

pytestmark = pytest.mark.browser
PASSWORD = "a long and memorable passphrase"


def _seed_people() -> dict[str, str]:
    from learn.services import accounts

    org = Organisation(name="Ministry of Supplies")
    db.session.add(org)
    db.session.commit()
    emails = {}
    for key, name, role in (
        ("trainer", "Tess Trainer", Role.TRAINER),
        ("reviewer", "Rob Reviewer", Role.TRAINER),
        ("learner", "Lee Learner", Role.LEARNER),
    ):
        email = f"{key}@supplies.example.gov"
        accounts.create_user(
            accounts.NewAccount(
                name=name,
                email=email,
                password=PASSWORD,
                organisation_id=org.id,
                department_id=None,
                role=role,
            )
        )
        emails[key] = email
    return emails


def sign_in(page, url: str, email: str) -> None:
    if page.get_by_role("button", name="Sign out").count():
        page.get_by_role("button", name="Sign out").click()
    visit(page, url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def people(seed_demo):
    return seed_demo.run(_seed_people)


def test_trainer_writes_reviewer_publishes_learner_reads(seed_demo, people, page):
    url = seed_demo.url
    sign_in(page, url, people["trainer"])
    visit(page, url + "/author/")
    check_accessibility(page, "authoring overview")
    page.get_by_role("link", name="Demo course").click()
    check_accessibility(page, "authoring course page")
    page.get_by_role("link", name=re.compile(r"^Edit module\s*: Why buying matters$")).click()
    check_accessibility(page, "module editor")

    # Write the body, insert a gender lens block from the toolbar, and type its text.
    body = page.locator("#body")
    body.fill("## Buying with care\n\nA fresh opening paragraph about buying.\n")
    body.press("Control+End")
    page.get_by_role("button", name="Insert a gender lens block").click()
    page.keyboard.type("Women make up most of the workforce in garment factories.")
    value = body.input_value()
    assert (
        "::: lens gender\nWomen make up most of the workforce in garment factories.\n:::" in value
    )
    # The preview follows the typing (debounced), rendered and sanitised by the server.
    expect(page.locator("#preview aside.lens-gender")).to_contain_text(
        "Women make up most of the workforce"
    )
    expect(page.locator("#preview h2").first).to_have_text("Buying with care")
    page.get_by_label("What changed (for the reviewer)").fill("New opening and a gender lens")
    page.get_by_role("button", name="Save draft").click()
    assert "Draft saved" in page.content()
    # The age lens is on for the buyers track but the module has no age block: a suggestion.
    assert "turns the age lens on" in page.content()

    # A branching scenario question, written step by step.
    visit(page, url + "/author/courses/demo/modules/intro/quiz")
    check_accessibility(page, "quiz editor")
    page.get_by_label("Add a question of this type").select_option(label="Branching scenario")
    page.get_by_role("button", name="Add a question").click()
    check_accessibility(page, "new branching question")
    page.get_by_label("Question id").fill("late-delivery")
    page.locator("#stem").fill("A supplier says orders will be late unless staff work nights.")
    page.locator("#steps-0-prompt").fill("What do you ask first?")
    choices = [
        (
            "ask",
            "Ask how overtime is agreed and paid.",
            "Good: overtime must be voluntary.",
            "good",
        ),
        ("push", "Insist on the date.", "Pressure on dates can force overtime.", "poor"),
    ]
    for i, (cid, text, feedback, target) in enumerate(choices):
        page.locator(f"#steps-0-choices-{i}-id").fill(cid)
        page.locator(f"#steps-0-choices-{i}-text").fill(text)
        page.locator(f"#steps-0-choices-{i}-feedback").fill(feedback)
        page.locator(f"#steps-0-choices-{i}-next").fill(target)
    outcomes = [
        ("good", "The supplier agreed a fair plan.", "1"),
        ("poor", "Workers were pushed into forced overtime.", "0"),
    ]
    for i, (oid, text, score) in enumerate(outcomes):
        page.locator(f"#outcomes-{i}-id").fill(oid)
        page.locator(f"#outcomes-{i}-text").fill(text)
        page.locator(f"#outcomes-{i}-score").fill(score)
    page.get_by_label("Explanation").fill("Excessive overtime is an ILO indicator.")
    page.get_by_label("Preventing trafficking in persons", exact=False).check()
    page.get_by_role("button", name="Save question").click()
    assert "The quiz draft is saved" in page.content() or "Draft saved" in page.content()
    assert "late-delivery" in page.content()

    # Submit both for review.
    for path in ("modules/intro", "modules/intro/quiz"):
        visit(page, f"{url}/author/courses/demo/{path}/versions/2")
        check_accessibility(page, f"version page {path}")
        page.get_by_role("button", name="Submit for review").click()
        assert "Sent for review" in page.content()
    assert page.get_by_role("button", name="Approve and publish").count() == 0

    # Another trainer reviews: compares, then approves the quiz and the module.
    sign_in(page, url, people["reviewer"])
    visit(page, url + "/author/")
    assert "Waiting for review" in page.content()
    visit(page, url + "/author/courses/demo/modules/intro/compare?a=1&b=2")
    check_accessibility(page, "compare versions")
    assert "Buying with care" in page.locator("table.diff-table").inner_text()
    for path in ("modules/intro/quiz", "modules/intro"):
        visit(page, f"{url}/author/courses/demo/{path}/versions/2")
        page.get_by_role("button", name="Approve and publish").click()
        assert "Approved and published" in page.content()

    # A learner on the buyers track reads the new text with its lens block.
    sign_in(page, url, people["learner"])
    visit(page, url + "/courses")
    page.get_by_role("button", name=re.compile(r"^Take this track\s*: Buyers$")).click()
    visit(page, url + "/courses/demo/modules/intro")
    article = page.locator("#module-body")
    assert "A fresh opening paragraph about buying." in article.inner_text()
    assert "Women make up most of the workforce" in article.locator("aside").inner_text()
    assert page.dialogs == []


def test_authoring_pages_pass_axe(seed_demo, people, page):
    url = seed_demo.url
    sign_in(page, url, people["trainer"])
    pages = [
        "/author/",
        "/author/courses/demo",
        "/author/courses/demo/edit",
        "/author/courses/demo/modules/new",
        "/author/courses/demo/modules/responding/quiz/questions/the-visit",
        "/author/courses/demo/modules/red-flags/quiz/questions/steps-order",
        "/author/courses/demo/modules/intro/quiz/questions/new?type=multiple",
        "/author/courses/demo/modules/intro/quiz/questions/new?type=true_false",
        "/author/courses/demo/modules/intro/versions",
        "/author/courses/demo/modules/intro/quiz/versions/1",
        "/author/courses/demo/course/versions/1",
        "/author/courses/demo/modules/intro/quiz/analysis",
        "/author/import",
    ]
    for path in pages:
        visit(page, url + path)
        check_accessibility(page, path)
    # A form with errors beside its fields.
    visit(page, url + "/author/courses/demo/modules/intro/edit")
    page.get_by_label("Title").fill("")
    page.locator("#body").fill("## A\n\n::: lens gender\nnever closed\n")
    page.get_by_role("button", name="Save draft").click()
    assert "There is a problem" in page.content()
    check_accessibility(page, "module editor with errors")
    # An import preview.
    from learn.services import packages

    def upload():
        from learn.models import User

        trainer = db.session.scalar(db.select(User).where(User.email == people["trainer"]))
        return packages.upload_package(packages.export_course_zip("demo"), "demo.zip", trainer).id

    package_id = seed_demo.run(upload)
    visit(page, f"{url}/author/import/{package_id}")
    check_accessibility(page, "import preview")


WORST = [
    "<script>window.__xss = 1; alert(1)</script>",
    '<img src=x onerror="window.__xss=1;alert(1)">',
    "<svg onload=alert(1)><circle r=5/></svg>",
    '<iframe srcdoc="<script>parent.__xss=1;alert(1)</script>"></iframe>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "[click me](javascript:window.__xss=1)",
    '<a href="java&#x09;script:window.__xss=1">tab trick</a>',
    "::: lens gender\n<img src=x onerror=alert(1)>\n[lens link](javascript:alert(1))\n:::",
] + [h for h in HOSTILE if "onerror" in h or "javascript" in h][:6]


def _publish_hostile(emails: dict[str, str]) -> None:
    from learn.author import editing
    from learn.content.writer import module_front, module_text
    from learn.models import User
    from learn.services import authoring

    trainer = db.session.scalar(db.select(User).where(User.email == emails["trainer"]))
    reviewer = db.session.scalar(db.select(User).where(User.email == emails["reviewer"]))
    course = authoring.find_course("demo")
    module = authoring.find_module(course, "intro")
    item = authoring.Item("module", course, module)
    live = authoring.live_version(item)
    core = editing.module_core(course, live)
    body = "## Hostile\n\n" + "\n\n".join(WORST) + "\n\nThe end.\n"
    text, _, _ = module_text(module_front(core), body)
    authoring.save_draft(item, text, trainer, position=live.position)
    authoring.submit(item, trainer)
    authoring.approve(item, reviewer)


def test_hostile_text_runs_nothing_in_chromium(seed_demo, people, page):
    url = seed_demo.url
    seed_demo.run(_publish_hostile, people)
    sign_in(page, url, people["learner"])
    visit(page, url + "/courses")
    page.get_by_role("button", name=re.compile(r"^Take this track\s*: Buyers$")).click()
    visit(page, url + "/courses/demo/modules/intro")
    assert "The end." in page.locator("#module-body").inner_text()
    # Click every link left without a web address (where a javascript: one was); links to
    # other sites are only hovered, so the test never leaves this machine.
    links = page.locator("#module-body a")
    for index in range(links.count()):
        link = links.nth(index)
        if not link.is_visible():
            continue
        link.hover()
        href = link.get_attribute("href")
        assert href is None or href.startswith(("http://", "https://", "/", "#", "mailto:"))
        if href is None:
            link.click()
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#module-body script, #module-body iframe, #module-body svg").count() == 0
    # The trainer's preview of the same text is just as inert.
    sign_in(page, url, people["trainer"])
    visit(page, url + "/author/courses/demo/modules/intro/edit")
    expect(page.locator("#preview")).to_contain_text("The end.")
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
