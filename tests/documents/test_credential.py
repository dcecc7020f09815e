"""The signed Open Badges 3.0 credential: eddsa-jcs-2022 proofs, keys, offline verification."""

import base64
import copy
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from learn.core.certificate import CertificateData
from learn.documents.credential import (
    base58_decode,
    base58_encode,
    build_credential,
    canonicalize,
    generate_key,
    issuer_profile,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_multibase,
    public_key_jwk,
    public_key_multibase,
    public_key_to_pem,
    sign_credential,
    verify_credential,
    verify_credential_file,
)

ISSUER_ID = "https://learn.example.org/issuer"
CODE = "7K2M-9QXR-0B4D-HJ6T-WZ3E"
VALID_FROM = datetime(2025, 1, 31, 9, 30, tzinfo=UTC)
VALID_UNTIL = datetime(2027, 1, 31, tzinfo=UTC)
# One key for the module: generating is cheap, but a fixed key keeps failures reproducible.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
no_database = settings(database=None, deadline=None)


def make_data(**changes) -> CertificateData:
    values = {
        "learner_name": "Zoë Łukasiewicz-Núñez",
        "track_title": "Responsible public procurement",
        "course_title": "Preventing trafficking in persons",
        "course_version": "2025.1",
        "issued_on": date(2025, 1, 31),
        "expires_on": date(2027, 1, 31),
        "issuer": "Example Procurement Academy",
        "code": CODE,
        "verify_url": f"https://learn.example.org/verify/{CODE}",
    }
    values.update(changes)
    return CertificateData(**values)


def make_credential(**changes) -> dict:
    data = make_data(**changes)
    return build_credential(
        data,
        issuer_id=ISSUER_ID,
        credential_id=data.verify_url,
        achievement_id="https://learn.example.org/courses/preventing-trafficking/tracks/buyers",
        valid_from=VALID_FROM,
        valid_until=VALID_UNTIL,
    )


@pytest.fixture
def signed() -> dict:
    return sign_credential(make_credential(), KEY, created=VALID_FROM)


def test_credential_is_an_open_badge(signed):
    assert signed["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert signed["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert signed["id"] == f"https://learn.example.org/verify/{CODE}"
    assert signed["issuer"] == {
        "id": ISSUER_ID,
        "type": ["Profile"],
        "name": "Example Procurement Academy",
    }
    assert signed["validFrom"] == "2025-01-31T09:30:00Z"
    assert signed["validUntil"] == "2027-01-31T00:00:00Z"
    subject = signed["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == "Zoë Łukasiewicz-Núñez"
    assert subject["identifier"][0]["identityHash"] == "Zoë Łukasiewicz-Núñez"
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["name"] == "Responsible public procurement"
    assert "Preventing trafficking in persons (version 2025.1)" in achievement["description"]
    assert achievement["criteria"]["narrative"]


def test_proof_is_eddsa_jcs_2022(signed):
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == ISSUER_ID + "#key-1"
    assert proof["created"] == "2025-01-31T09:30:00Z"
    assert proof["@context"] == signed["@context"]
    assert proof["proofValue"].startswith("z")
    assert len(base58_decode(proof["proofValue"][1:])) == 64


def test_no_valid_until_for_a_certificate_that_does_not_expire():
    data = make_data(expires_on=None)
    document = build_credential(
        data,
        issuer_id=ISSUER_ID,
        credential_id=data.verify_url,
        achievement_id="https://learn.example.org/a",
        valid_from=VALID_FROM,
    )
    assert "validUntil" not in document


def test_times_must_be_timezone_aware():
    data = make_data()
    with pytest.raises(ValueError):
        build_credential(
            data,
            issuer_id=ISSUER_ID,
            credential_id=data.verify_url,
            achievement_id="https://learn.example.org/a",
            valid_from=datetime(2025, 1, 31),
        )


def test_times_are_written_in_utc():
    data = make_data()
    document = build_credential(
        data,
        issuer_id=ISSUER_ID,
        credential_id=data.verify_url,
        achievement_id="https://learn.example.org/a",
        valid_from=datetime(2025, 1, 31, 10, 30, 15, 999, tzinfo=timezone(timedelta(hours=2))),
    )
    assert document["validFrom"] == "2025-01-31T08:30:15Z"


def test_sign_and_verify_round_trip(signed):
    assert verify_credential(signed, KEY.public_key())
    assert verify_credential(json.loads(json.dumps(signed)), KEY.public_key())
    assert verify_credential(json.loads(json.dumps(signed, indent=2)), KEY.public_key())


def test_signing_does_not_change_the_input():
    document = make_credential()
    before = copy.deepcopy(document)
    sign_credential(document, KEY)
    assert document == before


def test_signing_is_deterministic_for_the_same_created_time():
    first = sign_credential(make_credential(), KEY, created=VALID_FROM)
    assert sign_credential(make_credential(), KEY, created=VALID_FROM) == first


def test_signing_twice_is_refused(signed):
    with pytest.raises(ValueError):
        sign_credential(signed, KEY)


def test_wrong_key_fails(signed):
    assert not verify_credential(signed, OTHER_KEY.public_key())


def test_removed_proof_fails(signed):
    del signed["proof"]
    assert not verify_credential(signed, KEY.public_key())


@pytest.mark.parametrize(
    "proof_value",
    [
        None,
        123,
        "",
        "z",
        "zI0Ol",  # not base58
        "u" + "A" * 86,  # another multibase
        "z" + base58_encode(bytes(63)),
        "z" + base58_encode(bytes(65)),
    ],
)
def test_malformed_proof_value_fails(signed, proof_value):
    signed["proof"]["proofValue"] = proof_value
    assert not verify_credential(signed, KEY.public_key())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("type", "Ed25519Signature2020"),
        ("cryptosuite", "eddsa-rdfc-2022"),
        ("proofPurpose", "authentication"),
        ("verificationMethod", "https://evil.example/issuer#key-1"),
        ("created", "2025-02-01T00:00:00Z"),
        ("@context", ["https://www.w3.org/ns/credentials/v2"]),
        ("@context", "https://www.w3.org/ns/credentials/v2"),
    ],
)
def test_changed_proof_options_fail(signed, field, value):
    signed["proof"][field] = value
    assert not verify_credential(signed, KEY.public_key())


@pytest.mark.parametrize(
    "document",
    [None, [], "text", 42, {}, {"proof": []}, {"proof": "z123"}, {"proof": {}}],
)
def test_anything_malformed_is_not_valid_and_does_not_raise(document):
    assert verify_credential(document, KEY.public_key()) is False


def test_a_float_anywhere_is_not_valid(signed):
    signed["credentialSubject"]["score"] = 0.9
    assert verify_credential(signed, KEY.public_key()) is False


def test_floats_are_refused_when_signing():
    document = make_credential()
    document["credentialSubject"]["score"] = 0.9
    with pytest.raises(TypeError):
        sign_credential(document, KEY)


def serialise(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def check_tampered(original: dict, tampered: bytes) -> str:
    """Return "unparsable" or "rejected"; fail the test if a changed document verifies."""
    try:
        parsed = json.loads(tampered)
    except ValueError:  # includes UnicodeDecodeError
        return "unparsable"
    assert parsed != original, "a changed byte left the document unchanged"
    assert verify_credential(parsed, KEY.public_key()) is False, tampered
    return "rejected"


def test_every_single_byte_change_fails_or_fails_to_parse(signed):
    raw = serialise(signed)
    assert verify_credential(json.loads(raw), KEY.public_key())
    outcomes = {"unparsable": 0, "rejected": 0}
    for i, byte in enumerate(raw):
        for replacement in {byte ^ 0x01, byte ^ 0x20, ord("0") if byte != ord("0") else ord("1")}:
            tampered = raw[:i] + bytes([replacement]) + raw[i + 1 :]
            outcomes[check_tampered(signed, tampered)] += 1
    # Most changes still parse, so the signature really is what catches them.
    assert outcomes["rejected"] > outcomes["unparsable"] > 0


@no_database
@given(data=st.data())
def test_any_single_byte_change_fails_or_fails_to_parse(data):
    original = sign_credential(make_credential(), KEY, created=VALID_FROM)
    raw = serialise(original)
    i = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    replacement = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != raw[i]))
    check_tampered(original, raw[:i] + bytes([replacement]) + raw[i + 1 :])


# The eddsa-jcs-2022 test vector of W3C's Data Integrity EdDSA Cryptosuites v1.0
# (w3c/vc-di-eddsa: TestVectors/eddsa-jcs-2022/signedJCS.json and TestVectors/keyPair.json).
W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_PRIVATE_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
]
W3C_SIGNED = {
    "@context": W3C_CONTEXT,
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": f"https://vc.example/issuers/5678#{W3C_PUBLIC_KEY}",
        "proofPurpose": "assertionMethod",
        "@context": W3C_CONTEXT,
        "proofValue": (
            "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
        ),
    },
}


def test_w3c_test_vector_verifies():
    assert verify_credential(W3C_SIGNED, public_key_from_multibase(W3C_PUBLIC_KEY))


def test_w3c_test_vector_is_reproduced():
    seed = base58_decode(W3C_PRIVATE_KEY[1:])
    assert seed[:2] == b"\x80\x26"  # multicodec ed25519-priv
    key = Ed25519PrivateKey.from_private_bytes(seed[2:])
    assert public_key_multibase(key.public_key()) == W3C_PUBLIC_KEY
    unsigned = {k: v for k, v in W3C_SIGNED.items() if k != "proof"}
    resigned = sign_credential(
        unsigned,
        key,
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
        verification_method=W3C_SIGNED["proof"]["verificationMethod"],
    )
    assert resigned == W3C_SIGNED


def test_canonicalize_follows_jcs():
    assert canonicalize({"b": 1, "a": [True, None, False, 'é\n\u001f"\\/'], "c": {}}) == (
        '{"a":[true,null,false,"é\\n\\u001f\\"\\\\/"],"b":1,"c":{}}'.encode()
    )
    # Keys sort by UTF-16 code units: U+1F600 (D83D DE00) comes before U+E000.
    assert canonicalize({"\ue000": 1, "\U0001f600": 2}) == '{"😀":2,"\ue000":1}'.encode()


@pytest.mark.parametrize("value", [1.0, float("nan"), 2**53, {1: "a"}, {"a": object()}, b"x"])
def test_canonicalize_refuses_what_it_cannot_serialise_exactly(value):
    with pytest.raises(TypeError):
        canonicalize(value)


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"", ""),
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes.fromhex("0000287fb4cd"), "11233QC4"),
        (
            b"The quick brown fox jumps over the lazy dog.",
            "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
        ),
    ],
)
def test_base58_known_values(raw, encoded):
    assert base58_encode(raw) == encoded
    assert base58_decode(encoded) == raw


@no_database
@given(st.binary(max_size=80))
def test_base58_round_trip(raw):
    assert base58_decode(base58_encode(raw)) == raw


@pytest.mark.parametrize("text", ["0", "O", "I", "l", "abc+", "é"])
def test_base58_refuses_other_characters(text):
    with pytest.raises(ValueError):
        base58_decode(text)


def test_public_key_multibase_round_trip():
    public_key = generate_key().public_key()
    text = public_key_multibase(public_key)
    assert text.startswith("z6Mk")
    assert len(text) == 48
    assert public_key_multibase(public_key_from_multibase(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",  # no multibase prefix
        "z" + base58_encode(b"\xec\x01" + bytes(32)),  # x25519, not ed25519
        "z" + base58_encode(b"\xed\x01" + bytes(31)),
        "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ0",
    ],
)
def test_public_key_from_multibase_refuses_other_keys(text):
    with pytest.raises(ValueError):
        public_key_from_multibase(text)


def test_private_key_pem_round_trip():
    key = generate_key()
    pem = private_key_to_pem(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = private_key_from_pem(pem)
    assert public_key_multibase(loaded.public_key()) == public_key_multibase(key.public_key())


def test_private_key_from_pem_refuses_other_key_types():
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    from cryptography.hazmat.primitives import serialization

    pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError):
        private_key_from_pem(pem)


def test_public_key_jwk():
    public_key = KEY.public_key()
    jwk = public_key_jwk(public_key)
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    raw = base64.urlsafe_b64decode(jwk["x"] + "=")
    assert "z" + base58_encode(b"\xed\x01" + raw) == public_key_multibase(public_key)


def test_issuer_profile_lists_the_signing_key():
    profile = issuer_profile(ISSUER_ID, "Example Procurement Academy", KEY.public_key())
    assert profile["id"] == ISSUER_ID
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Example Procurement Academy"
    (method,) = profile["verificationMethod"]
    assert method == {
        "id": ISSUER_ID + "#key-1",
        "type": "Multikey",
        "controller": ISSUER_ID,
        "publicKeyMultibase": public_key_multibase(KEY.public_key()),
    }
    assert profile["assertionMethod"] == [ISSUER_ID + "#key-1"]
    json.dumps(profile)


VALID_MESSAGE = (
    "valid: signed by Example Procurement Academy, for Zoë Łukasiewicz-Núñez, "
    "Responsible public procurement"
)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def credential_file(tmp_path, signed):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(signed, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def test_verify_file_with_a_key(credential_file):
    assert verify_credential_file(credential_file, KEY.public_key(), now=NOW) == (
        True,
        VALID_MESSAGE,
    )


def test_verify_file_with_a_pem_public_key_file(credential_file, tmp_path):
    key_file = tmp_path / "issuer.pem"
    key_file.write_bytes(public_key_to_pem(KEY.public_key()))
    assert verify_credential_file(credential_file, key_file, now=NOW) == (True, VALID_MESSAGE)
    assert verify_credential_file(str(credential_file), str(key_file), now=NOW)[0]


def test_verify_file_with_a_pem_private_key_file(credential_file, tmp_path):
    key_file = tmp_path / "issuer-private.pem"
    key_file.write_bytes(private_key_to_pem(KEY))
    assert verify_credential_file(credential_file, key_file, now=NOW) == (True, VALID_MESSAGE)


def test_verify_file_with_the_published_profile(credential_file, tmp_path):
    profile = tmp_path / "issuer.json"
    profile.write_text(json.dumps(issuer_profile(ISSUER_ID, "Example", KEY.public_key())))
    assert verify_credential_file(credential_file, profile, now=NOW) == (True, VALID_MESSAGE)


def test_verify_file_with_another_issuers_profile(credential_file, tmp_path):
    profile = tmp_path / "issuer.json"
    other = issuer_profile("https://other.example/issuer", "Other", KEY.public_key())
    profile.write_text(json.dumps(other))
    ok, message = verify_credential_file(credential_file, profile, now=NOW)
    assert not ok
    assert message.startswith("invalid: no usable key")


def test_verify_file_with_the_wrong_key(credential_file):
    ok, message = verify_credential_file(credential_file, OTHER_KEY.public_key(), now=NOW)
    assert not ok
    assert "signature does not match" in message


def test_verify_tampered_file(credential_file):
    text = credential_file.read_text(encoding="utf-8")
    credential_file.write_text(text.replace("Zoë", "Zoe"), encoding="utf-8")
    ok, message = verify_credential_file(credential_file, KEY.public_key(), now=NOW)
    assert (ok, message.split(":")[0]) == (False, "invalid")


def test_verify_file_without_proof(credential_file, signed):
    del signed["proof"]
    credential_file.write_text(json.dumps(signed), encoding="utf-8")
    assert verify_credential_file(credential_file, KEY.public_key(), now=NOW) == (
        False,
        "invalid: no proof",
    )


@pytest.mark.parametrize("content", [b"", b"not json", b"[1, 2]", b"\xff\xfe"])
def test_verify_file_that_is_not_a_credential(tmp_path, content):
    path = tmp_path / "credential.json"
    path.write_bytes(content)
    ok, message = verify_credential_file(path, KEY.public_key(), now=NOW)
    assert not ok
    assert message.startswith("invalid:")


def test_verify_missing_file(tmp_path):
    ok, message = verify_credential_file(tmp_path / "nope.json", KEY.public_key())
    assert not ok
    assert "cannot read" in message


def test_verify_file_with_a_missing_key_file(credential_file, tmp_path):
    ok, message = verify_credential_file(credential_file, tmp_path / "nope.pem")
    assert not ok
    assert message.startswith("invalid: no usable key")


def test_verify_file_expired_and_not_yet_valid(credential_file):
    ok, message = verify_credential_file(credential_file, KEY.public_key(), now=VALID_UNTIL)
    assert not ok
    assert message.startswith("expired (valid until 2027-01-31T00:00:00Z): signed by")
    early = VALID_FROM - timedelta(seconds=1)
    ok, message = verify_credential_file(credential_file, KEY.public_key(), now=early)
    assert not ok
    assert message.startswith("not yet valid")
