"""The certificate as a signed Open Badges 3.0 credential (W3C Verifiable Credentials 2.0).

The credential is a JSON document secured with a Data Integrity proof using the
``eddsa-jcs-2022`` cryptosuite (W3C "Data Integrity EdDSA Cryptosuites v1.0"):

1. the proof options (the proof without ``proofValue``, with the document's ``@context``) and
   the document without ``proof`` are each canonicalised with JCS (RFC 8785);
2. the data signed is ``sha256(canonical proof options) || sha256(canonical document)``;
3. the Ed25519 signature is stored as ``proofValue``, multibase base58btc (``z...``).

Canonicalisation here covers what credentials hold: strings, integers (up to 2**53 - 1),
booleans, null, lists and objects with string keys. Floats are refused (``TypeError``)
rather than risk serialising them differently from RFC 8785's ECMAScript number format.

The issuer's key is Ed25519; its public half is published in the issuer profile
(:func:`issuer_profile`) as ``publicKeyMultibase`` and referenced as ``<issuer id>#key-1``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from learn.core.certificate import CertificateData

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
CONTEXT = [VC_CONTEXT, OB_CONTEXT]
CREDENTIAL_TYPE = ["VerifiableCredential", "OpenBadgeCredential"]

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_PURPOSE = "assertionMethod"
KEY_FRAGMENT = "#key-1"

#: Multicodec prefix of an Ed25519 public key (varint of 0xed).
ED25519_PUB_PREFIX = b"\xed\x01"
_MAX_SAFE_INTEGER = 2**53 - 1


# -- base58btc ------------------------------------------------------------------------------

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: i for i, char in enumerate(BASE58_ALPHABET)}


def base58_encode(data: bytes) -> str:
    """Encode ``data`` in base58 (Bitcoin alphabet); each leading zero byte becomes "1"."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(BASE58_ALPHABET[rest])
    return "1" * zeros + "".join(reversed(digits))


def base58_decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet).

    :raises ValueError: on a character outside the alphabet.
    """
    number = 0
    for char in text:
        index = _BASE58_INDEX.get(char)
        if index is None:
            raise ValueError(f"not a base58 character: {char!r}")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def _multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("not a multibase base58btc string (expected a leading 'z')")
    return base58_decode(text[1:])


# -- JCS (RFC 8785) -------------------------------------------------------------------------


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 (JCS) serialisation of ``value`` as UTF-8 bytes.

    :raises TypeError: on floats, integers beyond 2**53 - 1, non-string keys or other types.
    :raises UnicodeEncodeError: on strings holding lone surrogates.
    """
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None or value is True or value is False:
        return json.dumps(value)
    if isinstance(value, str):
        # json.dumps with ensure_ascii=False escapes exactly what JCS escapes: " \ and C0
        # controls (\b \t \n \f \r short forms, the rest as lower-case \u00xx).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_INTEGER:
            raise TypeError(f"integer {value} is beyond what JCS (IEEE 754 doubles) represents")
        return str(value)
    if isinstance(value, float):
        raise TypeError("floats are not supported by this JCS implementation")
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"object keys must be strings, not {type(key).__name__}")
        # JCS orders keys by their UTF-16 code units, which differs from code point order
        # only between astral characters and U+E000..U+FFFF.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(_jcs(k) + ":" + _jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"cannot canonicalise {type(value).__name__}")


# -- keys -----------------------------------------------------------------------------------


def generate_key() -> Ed25519PrivateKey:
    """Return a new Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def private_key_to_pem(private_key: Ed25519PrivateKey) -> bytes:
    """Return ``private_key`` as unencrypted PKCS#8 PEM (protect the file, not the bytes)."""
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def private_key_from_pem(data: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    """Load an Ed25519 private key from PEM.

    :raises ValueError: if the PEM is not an Ed25519 private key.
    """
    key = serialization.load_pem_private_key(data, password=password)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def public_key_to_pem(public_key: Ed25519PublicKey) -> bytes:
    """Return ``public_key`` as SubjectPublicKeyInfo PEM."""
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    """Return ``public_key`` as a JSON Web Key (RFC 8037 ``OKP``/``Ed25519``)."""
    x = base64.urlsafe_b64encode(_raw(public_key)).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "x": x}


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """Return ``public_key`` as a Multikey ``publicKeyMultibase`` value (``z6Mk...``)."""
    return "z" + base58_encode(ED25519_PUB_PREFIX + _raw(public_key))


def public_key_from_multibase(text: str) -> Ed25519PublicKey:
    """Load an Ed25519 public key from its ``publicKeyMultibase`` value.

    :raises ValueError: if ``text`` is not a base58btc Ed25519 multikey.
    """
    data = _multibase_decode(text)
    if len(data) != 34 or not data.startswith(ED25519_PUB_PREFIX):
        raise ValueError("not an Ed25519 multikey (expected 0xed01 followed by 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def issuer_profile(issuer_id: str, name: str, public_key: Ed25519PublicKey) -> dict[str, Any]:
    """Return the issuer's public profile, to publish as JSON at ``issuer_id``.

    It lists the verification method ``<issuer_id>#key-1`` that signs the credentials. Keep
    the URL stable: verifiers fetch the key from it.
    """
    key_id = issuer_id + KEY_FRAGMENT
    return {
        "@context": [*CONTEXT, MULTIKEY_CONTEXT],
        "id": issuer_id,
        "type": ["Profile"],
        "name": name,
        "verificationMethod": [
            {
                "id": key_id,
                "type": "Multikey",
                "controller": issuer_id,
                "publicKeyMultibase": public_key_multibase(public_key),
            }
        ],
        "assertionMethod": [key_id],
    }


# -- the credential -------------------------------------------------------------------------


def _timestamp(moment: datetime) -> str:
    """Return ``moment`` as an XML Schema dateTimeStamp in UTC, to the second."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes in a credential must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_timestamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("timestamp without a time zone")
    return moment


def build_credential(
    data: CertificateData,
    *,
    issuer_id: str,
    credential_id: str,
    achievement_id: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    issuer_name: str | None = None,
    achievement_description: str | None = None,
    criteria_narrative: str | None = None,
) -> dict[str, Any]:
    """Return the unsigned Open Badges 3.0 credential for ``data``.

    :param issuer_id: URL of the issuer profile (see :func:`issuer_profile`).
    :param credential_id: URL identifying this credential, e.g. its verification page.
    :param achievement_id: URL identifying the achievement (the track of a course version).
    :param issuer_name: defaults to ``data.issuer``.
    :raises ValueError: on naive datetimes.
    """
    version = f"{data.course_title} (version {data.course_version})"
    description = achievement_description or (
        f"Completion of the track \u201c{data.track_title}\u201d of the course {version}."
    )
    narrative = criteria_narrative or (
        f"Complete every module of the track \u201c{data.track_title}\u201d of the course "
        f"{version} and pass its quizzes."
    )
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": credential_id,
        "type": list(CREDENTIAL_TYPE),
        "name": f"Certificate of completion: {data.track_title}",
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": issuer_name or data.issuer},
        "validFrom": _timestamp(valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": data.learner_name,
            # Open Badges identifies a subject without a DID by an IdentityObject.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": data.learner_name,
                }
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": data.track_title,
                "description": description,
                "criteria": {"narrative": narrative},
                "version": data.course_version,
            },
        },
    }
    if valid_until is not None:
        document["validUntil"] = _timestamp(valid_until)
    return document


def _issuer_id(document: Mapping[str, Any]) -> str:
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise ValueError("the credential has no issuer id")
    return issuer_id


def _hash_data(proof_options: Mapping[str, Any], document: Mapping[str, Any]) -> bytes:
    return (
        hashlib.sha256(canonicalize(proof_options)).digest()
        + hashlib.sha256(canonicalize(document)).digest()
    )


def sign_credential(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    created: datetime | None = None,
    verification_method: str | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an ``eddsa-jcs-2022`` Data Integrity proof.

    :param created: when the proof was made; defaults to now (UTC).
    :param verification_method: defaults to ``<issuer id>#key-1``.
    :raises ValueError: if the document already has a proof or has no issuer id.
    """
    if "proof" in document:
        raise ValueError("the document already has a proof")
    unsigned = copy.deepcopy(dict(document))
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created or datetime.now(UTC)),
        "verificationMethod": verification_method or _issuer_id(unsigned) + KEY_FRAGMENT,
        "proofPurpose": PROOF_PURPOSE,
    }
    if "@context" in unsigned:
        proof["@context"] = copy.deepcopy(unsigned["@context"])
    signature = private_key.sign(_hash_data(proof, unsigned))
    proof["proofValue"] = "z" + base58_encode(signature)
    return {**unsigned, "proof": proof}


def _problem(document: Any, public_key: Ed25519PublicKey) -> str | None:
    """Return why ``document`` does not verify with ``public_key``, or None if it does."""
    if not isinstance(document, Mapping):
        return "not a JSON object"
    proof = document.get("proof")
    if proof is None:
        return "no proof"
    if not isinstance(proof, Mapping):
        return "unsupported proof (expected a single proof object)"
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        return f"unsupported proof (expected {PROOF_TYPE} with {CRYPTOSUITE})"
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        return f"wrong proof purpose (expected {PROOF_PURPOSE})"
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or method.split("#", 1)[0] != _issuer_id(document):
        return "the signing key does not belong to the issuer"
    try:
        signature = _multibase_decode(proof.get("proofValue"))
    except ValueError:
        return "malformed proofValue"
    if len(signature) != 64:
        return "malformed proofValue"
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in options:
        # The proof's context must be a prefix of the document's; the signed data uses it.
        doc_context = unsigned.get("@context")
        proof_context = options["@context"]
        if not isinstance(doc_context, list) or not isinstance(proof_context, list):
            return "malformed @context"
        if doc_context[: len(proof_context)] != proof_context:
            return "the proof's @context does not match the document's"
        unsigned["@context"] = proof_context
    try:
        public_key.verify(signature, _hash_data(options, unsigned))
    except InvalidSignature:
        return "the signature does not match (the document was altered, or this is not the key)"
    return None


def verify_credential(document: Any, public_key: Ed25519PublicKey) -> bool:
    """Return whether ``document`` carries a valid ``eddsa-jcs-2022`` proof by ``public_key``.

    Never raises: anything malformed is simply not valid. Checks the signature only, not
    ``validFrom``/``validUntil`` nor revocation (see :func:`verify_credential_file`).
    """
    try:
        return _problem(document, public_key) is None
    except Exception:  # malformed input of any shape means "not valid"
        return False


KeySource = Ed25519PublicKey | str | os.PathLike[str]


def _load_key(source: KeySource, issuer_id: str, method: Any) -> Ed25519PublicKey:
    """Return the public key from a key object or a file: PEM, or a published issuer profile."""
    if isinstance(source, Ed25519PublicKey):
        return source
    raw = Path(source).read_bytes()
    if raw.lstrip().startswith(b"-----BEGIN"):
        try:
            key: Any = serialization.load_pem_public_key(raw)
        except ValueError:
            key = serialization.load_pem_private_key(raw, password=None).public_key()
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the key file does not hold an Ed25519 key")
        return key
    profile = json.loads(raw)
    if not isinstance(profile, Mapping) or profile.get("id") != issuer_id:
        raise ValueError("the issuer profile is not that of the credential's issuer")
    for entry in profile.get("verificationMethod") or []:
        if isinstance(entry, Mapping) and entry.get("id") == method:
            return public_key_from_multibase(entry["publicKeyMultibase"])
    raise ValueError(f"the issuer profile does not list the key {method}")


def verify_credential_file(
    path: str | os.PathLike[str],
    key: KeySource,
    *,
    now: datetime | None = None,
) -> tuple[bool, str]:
    """Verify the credential JSON at ``path`` offline; return (ok, a sentence for a person).

    :param key: the issuer's public key, or the path of a file holding it: a PEM public (or
        private) key, or the issuer profile JSON published at the issuer's URL.
    :param now: the moment to check ``validFrom``/``validUntil`` against; defaults to now.

    Revocation cannot be checked offline; the verification page online can.
    """
    try:
        document = json.loads(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        return False, f"invalid: cannot read a JSON credential from {path}: {exc}"
    if not isinstance(document, Mapping):
        return False, "invalid: the file is not a JSON object"
    try:
        issuer_id = _issuer_id(document)
        proof = document.get("proof")
        method = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
        public_key = _load_key(key, issuer_id, method)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return False, f"invalid: no usable key: {exc}"
    try:
        problem = _problem(document, public_key)
    except Exception as exc:  # report, never crash, on a malformed file
        problem = f"malformed credential ({exc})"
    if problem is not None:
        return False, f"invalid: {problem}"

    issuer = document.get("issuer")
    issuer_name = issuer.get("name", issuer_id) if isinstance(issuer, Mapping) else issuer_id
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, Mapping) else {}
    achievement = subject.get("achievement")
    achievement = achievement if isinstance(achievement, Mapping) else {}
    name = subject.get("name", "an unnamed learner")
    about = f"signed by {issuer_name}, for {name}, {achievement.get('name', 'an achievement')}"

    moment = now or datetime.now(UTC)
    try:
        if "validFrom" in document and moment < _parse_timestamp(document["validFrom"]):
            return False, f"not yet valid (valid from {document['validFrom']}): {about}"
        if "validUntil" in document and moment >= _parse_timestamp(document["validUntil"]):
            return False, f"expired (valid until {document['validUntil']}): {about}"
    except (TypeError, ValueError):
        return False, f"invalid: malformed validity dates: {about}"
    return True, f"valid: {about}"
