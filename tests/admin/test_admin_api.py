"""The read-only reporting API: bearer tokens, hashed, scoped, paginated; 401 without one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from learn.extensions import db
from learn.models import ApiToken, Role
from learn.services import api_tokens, tracks
from learn.services.scope import Scope
from tests.helpers import complete_track


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("path", ["/api/v1/people", "/api/v1/certificates"])
@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer nonsense", "Basic abc", "Bearer lrn_not-a-real-token"]
)
def test_no_valid_token_gets_401_json(client, path, header):
    headers = {"Authorization": header} if header else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.json["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_are_stored_hashed_and_shown_once(client, login, admin_a, org_a):
    login(admin_a)
    response = client.post("/admin/api-tokens", data={"name": "HR sync", "organisation": org_a.id})
    html = response.get_data(as_text=True)
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("lrn_")
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == api_tokens.hash_token(secret) and secret not in token.token_hash
    assert token.prefix == secret[:12] and token.organisation_id == org_a.id
    assert secret not in client.get("/admin/api-tokens").get_data(as_text=True)
    assert client.get("/api/v1/people", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None


def test_only_platform_admins_make_all_organisation_tokens(client, login, admin_a, platform_admin):
    with pytest.raises(api_tokens.TokenError):
        api_tokens.create_token(admin_a, Scope(admin_a.organisation_id), "All", None)
    login(admin_a)
    response = client.post("/admin/api-tokens", data={"name": "All", "organisation": 0})
    assert response.status_code == 422
    made = api_tokens.create_token(platform_admin, Scope(None), "All", None)
    assert made.token.organisation_id is None


def test_revoked_token_stops_working(client, login, admin_a, org_a):
    made = api_tokens.create_token(admin_a, Scope(org_a.id), "HR", org_a.id)
    assert client.get("/api/v1/people", headers=bearer(made.secret)).status_code == 200
    login(admin_a)
    assert client.post(f"/admin/api-tokens/{made.token.id}/revoke").status_code == 302
    assert client.get("/api/v1/people", headers=bearer(made.secret)).status_code == 401


def test_people_are_scoped_to_the_token_organisation(
    client, admin_a, platform_admin, make_user, org_a, org_b, demo_course
):
    ann = make_user(org=org_a, name="Ann", department=org_a.departments[0])
    make_user(org=org_b, name="Ben")
    due = date.today() - timedelta(days=1)
    tracks.enrol(ann, demo_course, "buyers", due_on=due, origin="admin")
    complete_track(ann, "demo", "managers")
    mine = api_tokens.create_token(admin_a, Scope(org_a.id), "A", org_a.id)
    response = client.get("/api/v1/people", headers=bearer(mine.secret))
    names = [p["name"] for p in response.json["data"]]
    assert "Ann" in names and "Ben" not in names
    person = next(p for p in response.json["data"] if p["name"] == "Ann")
    assert person["organisation"] == "Ministry A" and person["department"] == "Finance"
    by_track = {a["track"]: a for a in person["assignments"]}
    assert by_track["demo/buyers"]["overdue"] is True
    assert by_track["demo/buyers"]["due_on"] == due.isoformat()
    assert (
        by_track["demo/buyers"]["started"] is True and by_track["demo/buyers"]["origin"] == "admin"
    )
    assert by_track["demo/managers"]["completed_at"] is not None
    everyone = api_tokens.create_token(platform_admin, Scope(None), "All", None)
    names = [
        p["name"]
        for p in client.get("/api/v1/people", headers=bearer(everyone.secret)).json["data"]
    ]
    assert "Ann" in names and "Ben" in names


def test_people_are_paginated_with_a_cursor(client, admin_a, make_user, org_a):
    for i in range(7):
        make_user(org=org_a, name=f"P{i}")
    made = api_tokens.create_token(admin_a, Scope(org_a.id), "A", org_a.id)
    seen, url = [], "/api/v1/people?limit=3"
    while url:
        body = client.get(url, headers=bearer(made.secret)).json
        assert len(body["data"]) <= 3
        seen += [p["id"] for p in body["data"]]
        url = body["next"]
    assert len(seen) == 8 and seen == sorted(seen)  # seven people and the admin


def test_certificates_are_scoped_and_filtered(
    client, admin_b, make_user, org_a, org_b, demo_course
):
    complete_track(make_user(org=org_a, name="Ann"), "demo", "buyers")
    complete_track(make_user(org=org_b, name="Ben"), "demo", "buyers")
    made = api_tokens.create_token(admin_b, Scope(org_b.id), "B", org_b.id)
    body = client.get("/api/v1/certificates", headers=bearer(made.secret)).json
    assert [c["learner_name"] for c in body["data"]] == ["Ben"]
    assert body["data"][0]["status"] == "valid"
    assert body["data"][0]["verify_url"].endswith(body["data"][0]["code"])
    body = client.get("/api/v1/certificates?status=revoked", headers=bearer(made.secret)).json
    assert body["data"] == []
    response = client.get("/api/v1/certificates?status=bogus", headers=bearer(made.secret))
    assert response.status_code == 400


def test_cli_makes_lists_and_revokes_tokens(runner, platform_admin, org_a):
    result = runner.invoke(
        args=[
            "api-tokens",
            "create",
            "Nightly",
            "--organisation",
            "Ministry A",
            "--admin",
            platform_admin.email,
        ]
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip()
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == api_tokens.hash_token(secret)
    assert "Ministry A" in runner.invoke(args=["api-tokens", "list"]).output
    result = runner.invoke(
        args=["api-tokens", "revoke", str(token.id), "--admin", platform_admin.email]
    )
    assert result.exit_code == 0
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_org_admin_token_list_shows_only_their_tokens(
    client, login, admin_a, admin_b, org_a, org_b
):
    api_tokens.create_token(admin_b, Scope(org_b.id), "B's sync", org_b.id)
    api_tokens.create_token(admin_a, Scope(org_a.id), "A's sync", org_a.id)
    login(admin_a)
    html = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "A&#39;s sync" in html and "B&#39;s sync" not in html


def test_learner_cannot_make_a_token(app, make_user, org_a):
    learner = make_user(Role.LEARNER, org=org_a)
    with pytest.raises(api_tokens.TokenError):
        api_tokens.create_token(learner, Scope(org_b_id := 999), "x", org_b_id)
