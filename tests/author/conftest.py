"""Fixtures for the authoring tests: trainers, a reviewer, and steps through the real views."""

from __future__ import annotations

import pytest

from learn.extensions import db
from learn.models import Role


@pytest.fixture
def trainer(make_user):
    """A trainer (the author in most tests)."""
    return make_user(Role.TRAINER, name="Tess Trainer")


@pytest.fixture
def reviewer(make_user):
    """A second trainer, who reviews the first one's drafts."""
    return make_user(Role.TRAINER, name="Rob Reviewer")


@pytest.fixture
def platform_admin(make_user):
    """A platform admin (may author and review)."""
    return make_user(Role.PLATFORM_ADMIN, name="Pat Admin")


class Steps:
    """Sign in as someone and walk the authoring workflow through the views."""

    def __init__(self, client, auth) -> None:
        self.client = client
        self.auth = auth

    def as_(self, user) -> Steps:
        """Sign out whoever is signed in, then sign ``user`` in."""
        self.auth.logout()
        response = self.auth.login(user)
        assert response.status_code == 302, response.data
        return self

    def module_form(self, course: str, module: str) -> dict:
        """Return the editor's current field values for a module (as a form would post)."""
        from learn.author import editing
        from learn.services import authoring

        found = authoring.find_course(course)
        form = editing.module_form(found, authoring.find_module(found, module))
        data = {
            "title": form.title.data,
            "position": str(form.position.data),
            "minutes": str(form.minutes.data),
            "objectives": form.objectives.data,
            "sources": list(form.sources.data),
            "tracks": list(form.tracks.data),
            "content_note": form.content_note.data or "",
            "body": form.body.data,
        }
        return data

    def save_module(self, course: str, module: str, **changes):
        """Post the module editor with ``changes`` over the current values (action save)."""
        data = self.module_form(course, module)
        data.update(changes)
        data.setdefault("action", "save")
        return self.client.post(f"/author/courses/{course}/modules/{module}/edit", data=data)

    def submit(self, path: str, note: str = ""):
        """Submit the draft of the item at ``path`` (e.g. "courses/demo/modules/intro")."""
        return self.client.post(f"/author/{path}/submit", data={"note": note})

    def approve(self, path: str, note: str = ""):
        """Approve the draft in review of the item at ``path``."""
        return self.client.post(f"/author/{path}/approve", data={"note": note})

    def publish_module(self, author, reviewer, course: str, module: str, **changes):
        """Save, submit (as ``author``) and approve (as ``reviewer``) a module change."""
        self.as_(author)
        response = self.save_module(course, module, **changes)
        assert response.status_code == 302, response.get_data(as_text=True)
        path = f"courses/{course}/modules/{module}"
        assert self.submit(path).status_code == 302
        self.as_(reviewer)
        response = self.approve(path)
        assert response.status_code == 302, response.get_data(as_text=True)
        db.session.expire_all()
        return response


@pytest.fixture
def steps(client, auth) -> Steps:
    """Workflow steps through the views, on ``client``."""
    return Steps(client, auth)
