"""A competence completion as a verifiable credential: 1EdTech Open Badges 3.0 (an `OpenBadgeCredential`
in the W3C VC data model 2.0), secured with VC-JOSE as a compact JWS (`application/vc+jwt`, EdDSA/Ed25519).

The instance signs with its own key (`CREDENTIAL_SIGNING_KEY`, runtime/instance_secrets.py) and serves the
public half as a JWKS (`GET /.well-known/jwks.json`). Another instance verifies a credential presented to it
against the JWKS of an issuer it trusts (`CREDENTIAL_ISSUERS`: `<instance id>=<JWKS URL>,...`): an unknown
issuer, a tampered credential or one signed by another key is refused. Signing and verifying are PyJWT's
(with `cryptography`'s Ed25519): no cryptography is written here.

The credential names the person by nothing readable (no name; their id at this instance only as a salted hash,
the identifier OB 3.0 asks of a subject): it is the person's to carry,
and whoever they present it to records it on them with their consent (docs/security.md, "Competences")."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from runtime.errors import InvalidInput, Unavailable

CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TYPE = ["VerifiableCredential", "OpenBadgeCredential"]
SCHEMA = {"id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
          "type": "1EdTechJsonSchemaValidator2019"}
MEDIA_TYPE = "vc+jwt"
ALGORITHM = "EdDSA"
ISSUER_PREFIX = "urn:peer-platform:instance:"
ISSUERS = "CREDENTIAL_ISSUERS"
FETCH_TIMEOUT = 5  # seconds, for an issuer's JWKS
INSTANCE_NAMES = {"region-1081": "Region Nordjylland", "region-1082": "Region Midtjylland",
                  "region-1083": "Region Syddanmark", "region-1084": "Region Hovedstaden",
                  "region-1085": "Region Sjælland"}
ACHIEVEMENT_TYPES = {"peer_education": "Course", "supervision_training": "Course", "theme_day": "Achievement",
                     "course": "Course", "other": "Achievement"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signing_key() -> Ed25519PrivateKey:
    """The instance's key, from its 32-byte seed (validated with the other secrets at start-up)."""
    seed = os.environ["CREDENTIAL_SIGNING_KEY"]
    return Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(seed + "=" * (-len(seed) % 4)))


def public_jwk(key: Ed25519PrivateKey | None = None) -> dict:
    """The public half of `key` (default: this instance's) as an OKP JWK (RFC 8037), its `kid` the RFC 7638
    thumbprint."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    x = _b64((key or signing_key()).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    thumbprint = _b64(hashlib.sha256(json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x},
                                                separators=(",", ":"), sort_keys=True).encode()).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": thumbprint, "alg": ALGORITHM, "use": "sig"}


def issuer_id(instance_id: str) -> str:
    return ISSUER_PREFIX + instance_id


def subject_identifier(person_id, salt: str) -> dict:
    """OB 3.0 wants an AchievementSubject identified: a salted SHA-256 of the person's id at this instance
    (`identityHash` as the standard writes it), which nobody can read a person from, and only the issuing
    instance, that knows the id, can recompute."""
    digest = hashlib.sha256(f"{person_id}{salt}".encode()).hexdigest()
    return {"type": "IdentityObject", "identityType": "systemId", "hashed": True, "identityHash": f"sha256${digest}",
            "salt": salt}


def credential(completion: dict, instance_id: str, salt: str | None = None) -> dict:
    """The Open Badges 3.0 credential of one completion (a row of `competence_completions` held here)."""
    valid_from = datetime.combine(completion["completed_on"], time(0), timezone.utc).isoformat().replace("+00:00", "Z")
    return {
        "@context": CONTEXT,
        "id": f"urn:uuid:{completion['completion_id']}",
        "type": TYPE,
        "name": completion["title"],
        "issuer": {"id": issuer_id(instance_id), "type": ["Profile"],
                   "name": f"Peer-støtte, {INSTANCE_NAMES.get(instance_id, instance_id)}"},
        "validFrom": valid_from,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [subject_identifier(completion["person_id"], salt or secrets.token_hex(16))],
            "activityEndDate": valid_from,
            "achievement": {
                "id": f"urn:uuid:{completion['module_id']}",
                "type": ["Achievement"],
                "achievementType": ACHIEVEMENT_TYPES.get(completion["kind"], "Achievement"),
                "name": completion["title"],
                "description": completion["description"] or completion["title"],
                "criteria": {"narrative": "Gennemført med det fremmøde, forløbets gennemførelsesregel kræver."},
                "version": str(completion["module_version"]),
                "creditsAvailable": float(completion["hours"]),
                "tag": [completion["kind"]],
            },
        },
        "credentialSchema": [SCHEMA],
    }


def sign(vc: dict, key: Ed25519PrivateKey | None = None) -> str:
    """VC-JOSE: the credential is the JWT claims set; `iss`, `jti`, `nbf` repeat issuer, id and validFrom.
    Signed with `key`, by default this instance's (another key stands for another issuer in tests)."""
    key = key or signing_key()
    jwk = public_jwk(key)
    nbf = int(datetime.fromisoformat(vc["validFrom"].replace("Z", "+00:00")).timestamp())
    claims = {**vc, "iss": vc["issuer"]["id"], "jti": vc["id"], "nbf": nbf}
    return jwt.encode(claims, key, algorithm=ALGORITHM,
                      headers={"kid": jwk["kid"], "typ": MEDIA_TYPE, "cty": "vc"})


@dataclass(frozen=True)
class Verified:
    issuer_instance: str
    credential: dict


def trusted_issuers() -> dict[str, str]:
    """`CREDENTIAL_ISSUERS`: the instances whose credentials this one accepts, with their JWKS URL."""
    entries = [e.strip() for e in os.environ.get(ISSUERS, "").split(",") if e.strip()]
    return dict(e.split("=", 1) for e in entries)


def refused(reason: str) -> InvalidInput:
    return InvalidInput.field("credential", reason)


def verify(token: str, fetch=None) -> Verified:
    """The credential, if a trusted issuer signed exactly this; else 422 naming why (never its content)."""
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise refused("not a compact JWS (vc+jwt)") from None
    if header.get("alg") != ALGORITHM or header.get("typ") != MEDIA_TYPE:
        raise refused(f"header: alg {ALGORITHM} and typ {MEDIA_TYPE} expected")
    issuer = unverified.get("iss") if isinstance(unverified.get("iss"), str) else ""
    instance_id = issuer[len(ISSUER_PREFIX):] if issuer.startswith(ISSUER_PREFIX) else None
    jwks_url = trusted_issuers().get(instance_id or "")
    if jwks_url is None:
        raise refused("issuer: not an instance this one trusts")
    keys = (fetch or _fetch_jwks)(jwks_url)
    key = next((k for k in keys if k.get("kid") == header.get("kid")), None)
    if key is None:
        raise refused("signature: signed with a key its issuer does not publish")
    try:
        claims = jwt.decode(token, jwt.PyJWK(key, ALGORITHM).key, algorithms=[ALGORITHM],
                            options={"require": ["iss", "jti", "nbf"]}, leeway=60)
    except jwt.PyJWTError:
        raise refused("signature: does not verify with its issuer's key") from None
    vc = {k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf")}
    if vc.get("type") != TYPE or vc.get("issuer", {}).get("id") != issuer or vc.get("id") != claims["jti"]:
        raise refused("not an OpenBadgeCredential of its issuer")
    return Verified(instance_id, vc)


def _fetch_jwks(url: str) -> list[dict]:
    try:
        answer = requests.get(url, timeout=FETCH_TIMEOUT)
        answer.raise_for_status()
        return list(answer.json()["keys"])
    except (requests.RequestException, ValueError, KeyError, TypeError):
        raise Unavailable("the issuer's published keys could not be fetched; try again later", retry_after=30) from None


def completion_of(verified: Verified) -> dict:
    """What is recorded of a verified credential: the module version it was made against, and when."""
    vc = verified.credential
    achievement = vc["credentialSubject"]["achievement"]
    tags = achievement.get("tag") or ["other"]
    try:
        return {"completion_id": str(uuid.UUID(vc["id"].removeprefix("urn:uuid:"))),
                "module_id": str(uuid.UUID(achievement["id"].removeprefix("urn:uuid:"))),
                "module_version": int(achievement["version"]), "title": achievement["name"][:200],
                "kind": tags[0], "hours": float(achievement.get("creditsAvailable", 0)),
                "completed_on": date.fromisoformat(vc["validFrom"][:10]).isoformat(),
                "issuer_instance": verified.issuer_instance}
    except (KeyError, TypeError, ValueError, AttributeError):
        raise refused("credentialSubject.achievement: not a competence module of the catalogue") from None
