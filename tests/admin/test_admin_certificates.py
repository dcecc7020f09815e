"""The certificate register: filters, CSV, revoking with a reason, re-issuing, the audit log."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from learn.extensions import db
from learn.models import AuditEvent, Certificate
from learn.services import certificates
from tests.helpers import complete_track


def certificate_of(user) -> Certificate:
    return db.session.scalar(
        select(Certificate).where(Certificate.user_id == user.id).order_by(Certificate.id.desc())
    )


def test_register_lists_and_filters_by_status_and_organisation(
    client, login, platform_admin, make_user, org_a, org_b, demo_course
):
    a = make_user(org=org_a, name="Ann Valid")
    b = make_user(org=org_b, name="Ben Expired")
    complete_track(a, "demo", "buyers")
    complete_track(b, "demo", "buyers")
    certificate_of(b).expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    login(platform_admin)
    html = client.get("/admin/certificates").get_data(as_text=True)
    assert "Ann Valid" in html and "Ben Expired" in html
    html = client.get("/admin/certificates?status=expired").get_data(as_text=True)
    assert "Ben Expired" in html and "Ann Valid" not in html
    html = client.get(f"/admin/certificates?organisation={org_a.id}").get_data(as_text=True)
    assert "Ann Valid" in html and "Ben Expired" not in html
    html = client.get("/admin/certificates?track=demo/managers").get_data(as_text=True)
    assert "0 certificates" in html
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    html = client.get(f"/admin/certificates?date_from={tomorrow}").get_data(as_text=True)
    assert "0 certificates" in html


def test_register_csv_is_streamed_with_filters(
    client, login, admin_a, make_user, org_a, org_b, demo_course
):
    complete_track(make_user(org=org_a, name="Ann"), "demo", "buyers")
    complete_track(make_user(org=org_b, name="Ben"), "demo", "buyers")
    login(admin_a)
    response = client.get("/admin/certificates.csv?status=valid")
    assert response.is_streamed and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("\ufeffcode,learner,organisation,track")
    assert len(lines) == 2 and ",Ann,Ministry A,Buyers,1," in lines[1]
    assert lines[1].split(",")[7] == "valid"


def test_revoke_with_a_reason_then_reissue(client, login, admin_a, make_user, org_a, demo_course):
    person = make_user(org=org_a)
    complete_track(person, "demo", "buyers")
    old = certificate_of(person)
    login(admin_a)
    response = client.post(f"/admin/certificates/{old.code}", data={"reason": ""})
    assert response.status_code == 422
    response = client.post(f"/admin/certificates/{old.code}", data={"reason": "Issued in error"})
    assert response.status_code == 302
    db.session.refresh(old)
    assert certificates.status_of(old) == "revoked" and old.revoked_reason == "Issued in error"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate_revoked"))
    assert event.actor_id == admin_a.id and event.detail == {"reason": "Issued in error"}
    html = client.get(f"/admin/certificates/{old.code}").get_data(as_text=True)
    assert "Re-issue the certificate" in html and "Issued in error" in html
    response = client.post(f"/admin/certificates/{old.code}/reissue")
    assert response.status_code == 302
    fresh = certificate_of(person)
    assert fresh.code != old.code and fresh.issue_number == 2
    assert certificates.status_of(fresh) == "valid"
    # Only the latest issue of a revoked certificate can be re-issued.
    assert client.post(f"/admin/certificates/{old.code}/reissue").status_code == 409
    assert client.post(f"/admin/certificates/{fresh.code}/reissue").status_code == 409


def test_revoking_twice_is_refused(client, login, admin_a, make_user, org_a, demo_course):
    person = make_user(org=org_a)
    complete_track(person, "demo", "buyers")
    code = certificate_of(person).code
    login(admin_a)
    client.post(f"/admin/certificates/{code}", data={"reason": "Once"})
    response = client.post(f"/admin/certificates/{code}", data={"reason": "Twice"})
    assert response.status_code == 422
    assert "already revoked" in response.get_data(as_text=True)


def test_unknown_certificate_is_404(client, login, admin_a):
    login(admin_a)
    assert client.get("/admin/certificates/NOPE").status_code == 404


def test_audit_log_scope(
    client, login, auth, admin_a, admin_b, platform_admin, make_user, org_a, org_b, demo_course
):
    a_person = make_user(org=org_a, name="Ann")
    b_person = make_user(org=org_b, name="Ben")
    complete_track(a_person, "demo", "buyers")
    complete_track(b_person, "demo", "buyers")
    certificates.revoke_certificate(certificate_of(a_person), "A's reason", platform_admin)
    certificates.revoke_certificate(certificate_of(b_person), "B's reason", platform_admin)
    login(admin_a)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "A&#39;s reason" in html and "B&#39;s reason" not in html
    auth.logout()
    login(platform_admin)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "A&#39;s reason" in html and "B&#39;s reason" in html
