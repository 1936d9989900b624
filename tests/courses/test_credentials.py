"""Open Badges 3.0 credentials of competence completions (services/courses/credentials.py), in process:
the credential validates against the published 1EdTech JSON schema (vendored beside the AsyncAPI schema in
tests/contracts), its VC-JOSE signature verifies with a standard JOSE library (PyJWT), and a tampered
credential, one signed by another key or by an issuer this instance does not trust is refused."""
import base64
import json
import os
import uuid
from datetime import date
from pathlib import Path

import jsonschema
import jwt
import pytest

from runtime.errors import InvalidInput
from runtime.instance_secrets import SECRETS
from services.courses import credentials

SCHEMA = json.loads((Path(__file__).parents[1] / "contracts" / "ob_v3p0_achievementcredential_schema.json").read_text())
ISSUER = "region-1084"
COMPLETION = {"completion_id": uuid.uuid4(), "person_id": uuid.uuid4(), "module_id": uuid.uuid4(), "module_version": 2,
              "title": "Fælles peer-uddannelse", "description": "Den fælles uddannelse (seed 004)",
              "kind": "peer_education", "hours": 37.5, "completed_on": date(2026, 5, 11)}


@pytest.fixture
def issuer_key(monkeypatch):
    monkeypatch.setenv("CREDENTIAL_SIGNING_KEY", SECRETS["CREDENTIAL_SIGNING_KEY"]())
    monkeypatch.setenv(credentials.ISSUERS, f"{ISSUER}=https://region-1084.example/.well-known/jwks.json")
    return credentials.public_jwk()


def issued() -> tuple[dict, str]:
    vc = credentials.credential(COMPLETION, ISSUER)
    return vc, credentials.sign(vc)


def test_the_credential_is_an_open_badge_by_the_published_schema(issuer_key):
    vc, token = issued()
    jsonschema.Draft201909Validator(SCHEMA).validate(vc)
    payload = jwt.decode(token, options={"verify_signature": False})
    jsonschema.Draft201909Validator(SCHEMA).validate(payload)  # the JWS payload is the credential itself
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["version"] == "2" and achievement["criteria"]["narrative"]
    assert str(COMPLETION["person_id"]) not in json.dumps(vc) and str(COMPLETION["completion_id"]) in vc["id"]
    (identifier,) = vc["credentialSubject"]["identifier"]  # the subject only as a salted hash of their id here
    assert identifier == credentials.subject_identifier(COMPLETION["person_id"], identifier["salt"])


def test_the_schema_refuses_what_is_no_open_badge(issuer_key):
    """The vendored schema is really checking: a credential without its achievement fails it."""
    vc, _ = issued()
    del vc["credentialSubject"]["achievement"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft201909Validator(SCHEMA).validate(vc)


def test_the_signature_verifies_with_a_standard_library_and_the_published_key(issuer_key):
    vc, token = issued()
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": issuer_key["kid"], "typ": "vc+jwt",
                                                "cty": "vc"}
    claims = jwt.decode(token, jwt.PyJWK(issuer_key).key, algorithms=["EdDSA"])
    assert claims["iss"] == vc["issuer"]["id"] and claims["jti"] == vc["id"]
    verified = credentials.verify(token, fetch=lambda url: [issuer_key])
    assert verified.issuer_instance == ISSUER and verified.credential == vc
    assert credentials.completion_of(verified) == {
        "completion_id": str(COMPLETION["completion_id"]), "module_id": str(COMPLETION["module_id"]),
        "module_version": 2, "title": COMPLETION["title"], "kind": "peer_education", "hours": 37.5,
        "completed_on": "2026-05-11", "issuer_instance": ISSUER}


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["creditsAvailable"] = 370.0
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join((header, forged, signature))


def test_a_tampered_credential_is_refused(issuer_key):
    _, token = issued()
    with pytest.raises(InvalidInput) as refused:
        credentials.verify(_tampered(token), fetch=lambda url: [issuer_key])
    assert refused.value.errors == [{"field": "credential", "reason": "signature: does not verify with its issuer's key"}]


def test_a_credential_signed_by_another_key_is_refused(issuer_key, monkeypatch):
    _, genuine = issued()
    monkeypatch.setenv("CREDENTIAL_SIGNING_KEY", base64.urlsafe_b64encode(os.urandom(32)).decode())
    other_key = credentials.public_jwk()
    _, forged = issued()
    with pytest.raises(InvalidInput, match="a key its issuer does not publish"):
        credentials.verify(forged, fetch=lambda url: [issuer_key])
    # the same kid claimed, another key's signature
    header, payload, signature = forged.split(".")
    claimed = base64.urlsafe_b64encode(json.dumps({**jwt.get_unverified_header(forged),
                                                   "kid": issuer_key["kid"]}).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidInput, match="does not verify"):
        credentials.verify(".".join((claimed, payload, signature)), fetch=lambda url: [issuer_key])
    assert credentials.verify(genuine, fetch=lambda url: [issuer_key, other_key]).issuer_instance == ISSUER


def test_a_credential_of_an_issuer_not_trusted_or_not_a_jws_is_refused(issuer_key, monkeypatch):
    _, token = issued()
    monkeypatch.setenv(credentials.ISSUERS, "region-1085=https://region-1085.example/.well-known/jwks.json")
    with pytest.raises(InvalidInput, match="not an instance this one trusts"):
        credentials.verify(token, fetch=lambda url: [issuer_key])
    with pytest.raises(InvalidInput, match="compact JWS"):
        credentials.verify("not-a-credential", fetch=lambda url: [issuer_key])
    unsigned = jwt.encode({"iss": "urn:peer-platform:instance:region-1084"}, None, algorithm="none")
    with pytest.raises(InvalidInput, match="alg EdDSA"):
        credentials.verify(unsigned, fetch=lambda url: [issuer_key])


def test_the_multi_region_runner_trusts_the_other_regions_credentials():
    from admin.runner import credential_issuers

    assert credential_issuers("region-1084") == "region-1085=http://127.0.0.1:8202/.well-known/jwks.json"
    assert credential_issuers("region-1085") == "region-1084=http://127.0.0.1:8102/.well-known/jwks.json"
