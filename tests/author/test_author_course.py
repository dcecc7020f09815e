"""The course editor: title, summary, sources and tracks as fields, checked like course.yml."""

from __future__ import annotations

from learn.models import VersionState
from learn.services import authoring

EDIT = "/author/courses/demo/edit"


def course_post(**changes) -> dict:
    data = {
        "title": "Demo course",
        "summary": "A small course used by the tests.",
        "sources-0-id": "icat-2021",
        "sources-0-title": "Preventing trafficking in persons",
        "sources-0-publisher": "ICAT",
        "sources-0-year": "2021",
        "sources-1-id": "ilo-indicators",
        "sources-1-title": "ILO indicators of forced labour",
        "sources-1-publisher": "International Labour Organization",
        "sources-1-url": "https://www.ilo.org/publications/ilo-indicators-forced-labour",
        "tracks-0-slug": "buyers",
        "tracks-0-title": "Buyers",
        "tracks-0-audience": "People who plan and run tenders.",
        "tracks-0-lenses": ["gender", "age"],
        "tracks-0-certificate_validity_months": "12",
        "tracks-0-modules": "intro\nred-flags\nresponding",
        "tracks-1-slug": "managers",
        "tracks-1-title": "Contract managers",
        "tracks-1-audience": "People who manage suppliers after award.",
        "tracks-1-lenses": ["gender"],
        "tracks-1-modules": "intro\nresponding",
        "action": "save",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_shows_the_course(client, auth, trainer, demo_course):
    auth.login(trainer)
    html = client.get(EDIT).get_data(as_text=True)
    assert 'value="Demo course"' in html and 'value="ilo-indicators"' in html
    assert "intro\nred-flags\nresponding" in html
    assert 'name="tracks-1-lenses" type="checkbox" value="gender"' in html.replace("checked ", "")


def test_edit_and_publish_the_course(client, steps, trainer, reviewer, demo_course):
    steps.as_(trainer)
    response = client.post(
        EDIT, data=course_post(**{"tracks-1-modules": "intro\nred-flags\nresponding"})
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    item = authoring.Item("course", demo_course)
    draft = authoring.open_draft(item)
    assert draft.state == VersionState.DRAFT
    assert draft.track("managers")["modules"] == ["intro", "red-flags", "responding"]
    steps.submit("courses/demo/course")
    steps.as_(reviewer)
    assert steps.approve("courses/demo/course").status_code == 302
    assert "red-flags" in demo_course.live_version.track("managers")["modules"]
    steps.as_(trainer)
    html = client.get("/author/courses/demo").get_data(as_text=True)
    assert "red-flags" in html


def test_problems_are_shown_beside_the_track_field(client, auth, trainer, demo_course):
    auth.login(trainer)
    response = client.post(EDIT, data=course_post(**{"tracks-1-modules": "intro\nno-such-module"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    block = html.split('id="tracks-1-modules"')[0].rsplit('<div class="field', 1)[1]
    assert "lists module &#39;no-such-module&#39;, which is not a module of this course" in block
    response = client.post(EDIT, data=course_post(**{"sources-1-url": "ftp://x"}))
    html = response.get_data(as_text=True)
    block = html.split('id="sources-1-url"')[0].rsplit('<div class="field', 1)[1]
    assert "is not a web address" in block
    response = client.post(EDIT, data=course_post(**{"tracks-0-slug": "Buyers!"}))
    block = response.get_data(as_text=True).split('id="tracks-0-slug"')[0]
    assert "is not a valid slug" in block.rsplit('<div class="field', 1)[1]
    assert authoring.open_draft(authoring.Item("course", demo_course)) is None


def test_add_rows_without_javascript(client, auth, trainer, demo_course):
    auth.login(trainer)
    html = client.post(EDIT, data=course_post(action="add-source")).get_data(as_text=True)
    assert 'name="sources-2-id"' in html
    html = client.post(EDIT, data=course_post(action="add-track")).get_data(as_text=True)
    assert 'name="tracks-2-slug"' in html
