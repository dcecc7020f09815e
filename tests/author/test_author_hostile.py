"""Hostile text written in the editor reaches learners harmless, stored and served.

Each entry of the shared corpus (tests/content/hostile.py) is saved as a module body through
the editor, reviewed and published; then the stored HTML and the page a learner gets are
checked for anything executable (tests/browser/test_author_browser.py opens the worst of them
in Chromium too).
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from learn.extensions import db
from learn.models import Module
from tests.content.hostile import HOSTILE
from tests.content.test_render import assert_safe

ARTICLE_RE = re.compile(r'<article class="prose" id="module-body"[^>]*>(.*?)</article>', re.S)


def learner_body(html: str) -> str:
    match = ARTICLE_RE.search(html)
    assert match, "no module body on the page"
    return match.group(1)


def test_every_hostile_body_is_harmless_once_published(
    client, steps, trainer, reviewer, make_user, demo_course
):
    for number, text in enumerate(HOSTILE):
        body = f"## Case {number}\n\n{text}\n\nEnd of case {number}.\n"
        steps.publish_module(trainer, reviewer, "demo", "intro", body=body)
        module = db.session.scalar(select(Module).where(Module.slug == "intro"))
        stored = json.loads(module.live_version.body_rendered)
        for segment in stored["segments"]:
            assert_safe(segment["html"])
        learner = make_user()
        steps.as_(learner)
        client.post("/learning/track", data={"track": "demo/buyers"})  # both lenses on
        page = client.get("/courses/demo/modules/intro").get_data(as_text=True)
        served = learner_body(page)
        assert f"End of case {number}." in served, text
        assert_safe(served, extra_tags=frozenset({"aside"}))


def test_hostile_preview_is_harmless(client, auth, trainer, demo_course):
    auth.login(trainer)
    for text in HOSTILE:
        response = client.post("/author/preview", data={"body": text})
        assert_safe(response.get_data(as_text=True), extra_tags=frozenset({"aside"}))


def test_hostile_quiz_text_is_harmless_on_the_review_page(client, auth, trainer, demo_course):
    from tests.author.test_author_quiz import SINGLE, post_data

    auth.login(trainer)
    worst = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) <script>alert(1)</script>"
    question = {**SINGLE, "stem": worst, "explanation": worst}
    question["options"] = [dict(o, feedback=worst) for o in SINGLE["options"]]
    url = "/author/courses/demo/modules/intro/quiz/questions/new?type=single"
    assert client.post(url, data=post_data(question)).status_code == 302
    html = client.get("/author/courses/demo/modules/intro/quiz/versions/2").get_data(as_text=True)
    content = html.split("<h2>Content</h2>")[1].split('<details class="source-text">')[0]
    assert_safe(content)
