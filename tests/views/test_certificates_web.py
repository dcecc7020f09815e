"""Certificates on the web: issued once on completion, downloads, verification, CLI."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from learn.extensions import db
from learn.models import Certificate, TrackCompletion
from learn.services import certificates
from tests.helpers import complete_track


@pytest.fixture
def certified(app, make_user, demo_course, tmp_path):
    app.config["CREDENTIAL_KEY_FILE"] = str(tmp_path / "key.pem")
    user = make_user(name="Zoë Łukasiewicz-Núñez")
    complete_track(user, "demo", "buyers")
    return user


def test_completion_issues_one_certificate(certified):
    rows = db.session.scalars(select(Certificate)).all()
    assert len(rows) == 1
    cert = rows[0]
    assert cert.learner_name == "Zoë Łukasiewicz-Núñez"
    assert cert.track_title == "Buyers" and cert.course_version == 1
    assert cert.expires_on is not None  # the demo buyers track sets 12 months
    assert db.session.scalar(select(func.count(TrackCompletion.id))) == 1


def test_completing_again_issues_nothing_more(certified):
    from learn.services import learning, tracks

    enrolment = tracks.current_enrolment(certified)
    assert learning.check_track_completion(certified, enrolment) is True
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_last_quiz_submitted_twice_at_once_issues_once(make_app, tmp_path):
    """Two threads finish the last module's attempt at the same moment."""
    from learn.config import database_url_for_tests
    from learn.models import Organisation
    from learn.services import accounts, learning, tracks
    from learn.services.catalogue import find_course, import_path
    from tests.conftest import DATA, PASSWORD
    from tests.helpers import pass_module, right_answer

    url = database_url_for_tests()
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'race.db'}"
    app = make_app(url=url, CREDENTIAL_KEY_FILE=str(tmp_path / "key.pem"))
    import_path(DATA / "content")
    org = Organisation(name="Race")
    db.session.add(org)
    db.session.commit()
    user = accounts.create_user(accounts.NewAccount("R", "r@example.gov", PASSWORD, org.id))
    tracks.choose_track(user, "demo/managers")
    course = find_course("demo")
    modules = {m.slug: m for m in course.modules}
    pass_module(user, modules["intro"])
    last = modules["responding"]
    learning.mark_read(user, last)
    attempt = learning.start_attempt(user, last, tracks.current_enrolment(user))
    quiz = learning.attempt_quiz(attempt)
    # Answer all but the final step/question, then race the last answer.
    final_id = attempt.question_ids[-1]
    for qid in attempt.question_ids[:-1]:
        q = quiz.question(qid)
        for part in [(c,) for c in right_answer(q)] if q.type == "branching" else [right_answer(q)]:
            learning.answer_question(user, attempt, qid, part)
    final = quiz.question(final_id)
    parts = (
        [(c,) for c in right_answer(final)] if final.type == "branching" else [right_answer(final)]
    )
    for part in parts[:-1]:
        learning.answer_question(user, attempt, final_id, part)
    barrier = threading.Barrier(4)
    errors = []
    ids = (user.id, attempt.id)

    def race():
        try:
            with app.app_context():
                from learn.models import QuizAttempt, User

                me, mine = db.session.get(User, ids[0]), db.session.get(QuizAttempt, ids[1])
                barrier.wait(timeout=10)
                try:
                    learning.answer_question(me, mine, final_id, parts[-1])
                except learning.LearningError as exc:
                    if exc.status != 409:
                        raise
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    db.session.expire_all()
    assert db.session.scalar(select(func.count(TrackCompletion.id))) == 1
    assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_learner_downloads_pdf_and_credential(client, auth, certified):
    auth.login(certified)
    cert = db.session.scalar(select(Certificate))
    home = client.get("/learning").get_data(as_text=True)
    assert cert.code in home
    pdf = client.get(f"/certificates/{cert.code}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert (
        pdf.headers["Content-Disposition"] == f'attachment; filename="certificate-{cert.code}.pdf"'
    )
    assert client.get(f"/certificates/{cert.code}.pdf").data == pdf.data
    credential = client.get(f"/certificates/{cert.code}.json")
    assert credential.mimetype == "application/json"
    assert credential.headers["Content-Disposition"] == (
        f'attachment; filename="credential-{cert.code}.json"'
    )
    document = json.loads(credential.data)
    assert document["credentialSubject"]["name"] == "Zoë Łukasiewicz-Núñez"
    from learn.documents.credential import verify_credential

    assert verify_credential(document, certificates.signing_key().public_key())


def test_another_learner_cannot_download(client, auth, certified, make_user):
    cert = db.session.scalar(select(Certificate))
    auth.login(make_user())
    assert client.get(f"/certificates/{cert.code}.pdf").status_code == 404
    assert client.get(f"/certificates/{cert.code}.json").status_code == 404


def test_verify_valid(client, certified):
    cert = db.session.scalar(select(Certificate))
    page = client.get(f"/verify/{cert.code.lower().replace('-', ' ')}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "This certificate is valid" in html
    assert "Zoë Łukasiewicz-Núñez" in html and "Buyers" in html
    # Only the name, track, course, dates and issuer are shown: no email, no score.
    assert certified.email not in html


def test_verify_form_redirects_to_the_code(client, certified):
    cert = db.session.scalar(select(Certificate))
    response = client.get("/verify", query_string={"code": cert.code.lower()})
    assert response.status_code == 302 and response.headers["Location"].endswith(cert.code)


def test_verify_expired(client, certified):
    cert = db.session.scalar(select(Certificate))
    cert.expires_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert b"has expired" in client.get(f"/verify/{cert.code}").data


def test_verify_revoked_with_date(client, certified):
    cert = db.session.scalar(select(Certificate))
    certificates.revoke_certificate(cert, "Issued in error", actor=None)
    html = client.get(f"/verify/{cert.code}").get_data(as_text=True)
    assert "has been revoked" in html and "Revoked on" in html
    assert "Issued in error" not in html  # the reason is for the audit log, not the public


@pytest.mark.parametrize("code", ["AAAA-AAAA-AAAA-AAAA-AAAA", "nonsense", "0" * 200, "<script>"])
def test_verify_unknown_says_nothing_about_other_codes(client, certified, code):
    response = client.get(f"/verify/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "could not find this certificate" in html
    assert "Zoë" not in html and "<script>" not in html


def test_a_tampered_code_is_unknown(client, certified):
    cert = db.session.scalar(select(Certificate))
    last = cert.code[-1]
    tampered = cert.code[:-1] + ("2" if last != "2" else "3")
    assert client.get(f"/verify/{tampered}").status_code == 404


def test_verify_is_rate_limited(make_app):
    app = make_app(RATELIMIT_ENABLED=True, VERIFY_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    codes = [client.get("/verify/AAAA-AAAA-AAAA-AAAA-AAAA").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_issuer_profile_publishes_the_public_key(client, certified):
    document = client.get("/credentials/issuer.json").json
    method = document["verificationMethod"][0]
    assert method["publicKeyMultibase"].startswith("z")


def test_cli_revoke_and_verify(app, runner, certified, tmp_path):
    cert = db.session.scalar(select(Certificate))
    credential = tmp_path / "credential.json"
    credential.write_text(certificates.credential_json(cert), encoding="utf-8")
    result = runner.invoke(args=["certificates", "verify", str(credential)])
    assert result.exit_code == 0 and result.output.startswith("valid")
    tampered = tmp_path / "tampered.json"
    tampered.write_text(credential.read_text().replace("Buyers", "Buyerz"), encoding="utf-8")
    result = runner.invoke(args=["certificates", "verify", str(tampered)])
    assert result.exit_code == 1 and "invalid" in result.output
    result = runner.invoke(args=["certificates", "revoke", cert.code, "--reason", "Fraud"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(Certificate, cert.id).revoked_reason == "Fraud"
    result = runner.invoke(args=["certificates", "revoke", "NOPE", "--reason", "x"])
    assert result.exit_code != 0 and "no certificate" in result.output
