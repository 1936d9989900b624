"""Authentication (JWT bearer) and authorisation by declaration, scoped to this instance.

Every `@api` endpoint declares who may call it (`allow=` roles, or `PUBLIC` for health and the like);
`authorise` enforces it before the worker starts, so a refused request never touches the database.

Keys come from configuration, read at each verification (so a rotation needs no restart):
- `JWT_JWKS_URL`: an OIDC provider's key set (production); RS256/ES256/PS256 by the token's `kid`.
- `JWT_PUBLIC_KEY`: one PEM public key (RS256/ES256/PS256).
- `JWT_SECRET`: a shared HS256 secret (development and tests only; `peer-admin mint-token` signs with it).
Only one of them is used, in that order: when a public key or JWKS is configured, HS256 tokens are refused.

Claims checked: signature, `exp` (required), `nbf` and `iat` when present (with `JWT_LEEWAY` seconds of
clock skew, default 30), `aud` (= `JWT_AUDIENCE`, default `peer-platform`), `iss` (= `JWT_ISSUER`, when
set), `sub`; the instance claim must name this instance (else 403, whatever the roles). For an OIDC
provider that puts claims elsewhere, `JWT_ROLES_CLAIM` and `JWT_INSTANCE_CLAIM` take dotted paths
(e.g. `realm_access.roles`); roles the platform does not know are ignored, never granted.

A missing, malformed, expired, forged or foreign-audience token is 401 with `WWW-Authenticate: Bearer`;
a valid token of another instance, or without a permitted role, is 403. Problem details name what is
wrong with the token, never its content.
"""
from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache

import jwt

from runtime.config import settings
from runtime.errors import Forbidden, Unauthorized

ROLES = ("peer", "coordinator", "leader", "admin", "national_coordinator")
PUBLIC = ("public",)
ASYMMETRIC = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256", "PS384", "PS512"]
MAX_TOKEN_BYTES = 16_384


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    instance: str

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


# -- configuration --------------------------------------------------------------------------------
def audience() -> str:
    return os.environ.get("JWT_AUDIENCE", "peer-platform")


def issuer() -> str | None:
    return os.environ.get("JWT_ISSUER") or None


def leeway() -> int:
    return int(os.environ.get("JWT_LEEWAY", "30"))


@lru_cache(maxsize=4)
def _jwks_client(url: str):
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)


def _algorithms_for(key) -> list[str]:
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if isinstance(key, rsa.RSAPublicKey):
        return [a for a in ASYMMETRIC if a[:2] in ("RS", "PS")]
    if isinstance(key, ec.EllipticCurvePublicKey):
        return [a for a in ASYMMETRIC if a.startswith("ES")]
    # An OKP (EdDSA) or `oct` (symmetric: a published HMAC secret) key is a refusal of the token, not a crash.
    raise jwt.InvalidKeyError("signing key type not accepted")


@lru_cache(maxsize=4)
def _public_key(pem: str):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(pem.encode())


def _verification_key(token: str):
    """The key and the algorithms it may verify (never HS256 with a public key: no algorithm confusion)."""
    if url := os.environ.get("JWT_JWKS_URL"):
        key = _jwks_client(url).get_signing_key_from_jwt(token).key
        return key, _algorithms_for(key)
    if pem := os.environ.get("JWT_PUBLIC_KEY"):
        key = _public_key(pem)
        return key, _algorithms_for(key)
    return settings().jwt_secret, ["HS256"]


def _claim(claims: dict, path: str):
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


# -- declarations -----------------------------------------------------------------------------------
def declaration(allow, where: str = "endpoint") -> tuple[str, ...]:
    """Check an endpoint's `allow=`: PUBLIC alone, or a non-empty set of known roles (a typo would deny all)."""
    if not allow:
        raise ValueError(f"{where} must declare who may call it (allow=roles or allow=PUBLIC)")
    if isinstance(allow, str):
        raise ValueError(f"{where}: allow must be a tuple of roles, not the string {allow!r}")
    allow = tuple(allow)
    if allow == PUBLIC:
        return allow
    unknown = sorted(set(allow) - set(ROLES))
    if unknown:
        raise ValueError(f"{where}: unknown role(s) {unknown} in allow; roles are {', '.join(ROLES)}")
    return allow


# -- verification -----------------------------------------------------------------------------------
def _unauthorized(detail: str, error: str = "invalid_token") -> Unauthorized:
    problem = Unauthorized(detail)
    problem.headers = {"WWW-Authenticate": f'Bearer realm="{audience()}", error="{error}"'}
    return problem


# Why a token was refused, most specific first (PyJWT's errors subclass one another).
_REASONS = (
    (jwt.ExpiredSignatureError, "token expired"),
    (jwt.ImmatureSignatureError, "token not yet valid (nbf/iat in the future)"),
    (jwt.InvalidAudienceError, "token is for another audience"),
    (jwt.InvalidIssuerError, "token is from another issuer"),
    (jwt.InvalidSignatureError, "token signature does not verify"),
    (jwt.InvalidAlgorithmError, "token algorithm not accepted for the configured key"),
    (jwt.PyJWKClientError, "token signing key unknown to the identity provider's key set"),
    (jwt.InvalidKeyError, "token signing key type not accepted (RSA or EC keys only)"),
    (jwt.PyJWKError, "token signing key not usable (RSA or EC keys only)"),
)


def verify(token: str) -> Principal:
    """The principal of a valid token of any instance; raises `Unauthorized` (401) otherwise."""
    if len(token) > MAX_TOKEN_BYTES:
        raise _unauthorized("invalid token: too large")
    required = ["exp", "sub", "aud"] + (["iss"] if issuer() else [])
    try:
        key, algorithms = _verification_key(token)
        claims = jwt.decode(token, key, algorithms=algorithms, audience=audience(), issuer=issuer(),
                            leeway=leeway(), options={"require": required, "verify_iat": True})
    except jwt.MissingRequiredClaimError as exc:
        raise _unauthorized(f"token claim missing: {exc.claim}") from None
    except jwt.PyJWTError as exc:
        reason = next((text for kind, text in _REASONS if isinstance(exc, kind)), None)
        raise _unauthorized(reason or f"invalid token: {type(exc).__name__}") from None
    roles = _claim(claims, os.environ.get("JWT_ROLES_CLAIM", "roles"))
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise _unauthorized("token roles: must be a list of role names")
    instance = _claim(claims, os.environ.get("JWT_INSTANCE_CLAIM", "instance"))
    if not isinstance(instance, str) or not instance:
        raise _unauthorized("token instance: missing")
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise _unauthorized("token subject: must be a non-empty string")
    return Principal(subject, frozenset(roles) & frozenset(ROLES), instance)


def bearer_token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        problem = Unauthorized("Authorization: a bearer token is required")
        problem.headers = {"WWW-Authenticate": f'Bearer realm="{audience()}"'}
        raise problem
    return token.strip()


def authorise(request, allow: tuple[str, ...], config=None) -> Principal | None:
    """The caller, if allowed by the endpoint's declaration; raises 401/403 otherwise."""
    if tuple(allow) == PUBLIC:
        return None
    principal = verify(bearer_token(request))
    if principal.instance != (config or settings()).instance_id:
        raise _forbidden(FOREIGN_INSTANCE, "token instance: the token belongs to another instance")
    if not principal.has(*allow):
        raise _forbidden(ROLE_NOT_ALLOWED, f"roles: this operation needs one of {', '.join(allow)}")
    return principal


# Problem types of the declaration's refusals (a service's own 403, e.g. "not your record", is /problems/forbidden).
FOREIGN_INSTANCE = "/problems/foreign-instance"
ROLE_NOT_ALLOWED = "/problems/role-not-allowed"


def _forbidden(problem_type: str, detail: str) -> Forbidden:
    problem = Forbidden(detail)
    problem.problem_type = problem_type
    return problem


def principal_of(request) -> Principal | None:
    return request.environ.get("peer.principal")


def mint_token(subject: str, roles: list[str], instance: str | None = None, ttl_seconds: int = 3600,
               secret: str | None = None, *, audience_: str | None = None, issuer_: str | None = None,
               not_before: int | None = None) -> str:
    """A development token signed with the shared secret (production tokens come from the OIDC provider)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"roles: unknown role(s) {sorted(unknown)}")
    if not subject:
        raise ValueError("subject: required (a user id, not a name)")
    if ttl_seconds > 24 * 3600:
        raise ValueError("ttl: at most 24 hours for a development token")
    now = int(time.time())
    claims = {"sub": subject, "roles": list(roles), "instance": instance or settings().instance_id,
              "aud": audience_ or audience(), "iat": now, "exp": now + ttl_seconds}
    if issuer_ or issuer():
        claims["iss"] = issuer_ or issuer()
    if not_before is not None:
        claims["nbf"] = not_before
    return jwt.encode(claims, secret or settings().jwt_secret, algorithm="HS256")


# -- the caller as a peer ----------------------------------------------------------------------------
STAFF = ("coordinator", "leader")


def caller_peer_id(request) -> str:
    """A peer's token names the peer: its subject is the peer id the roles service assigned."""
    subject = principal_of(request).subject
    try:
        return str(uuid.UUID(subject))
    except ValueError:
        raise Forbidden("token subject: a peer's token must name the peer id") from None


def is_peer_only(request) -> bool:
    """The caller acts as a peer: only their own records (a coordinator or leader sees all)."""
    p = principal_of(request)
    return p.has("peer") and not p.has(*STAFF)
