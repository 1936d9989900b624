"""Authentication (JWT bearer) and authorisation by declaration, scoped to this instance.

Keys come from configuration: `JWT_SECRET` (HS256, development), or `JWT_PUBLIC_KEY` (PEM) or
`JWT_JWKS_URL` for an OIDC provider in production. Tokens carry `sub`, `roles`, `instance`, `aud`
and `exp`; a token of another instance is refused (403) whatever its roles.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import lru_cache

import jwt

from runtime.config import settings
from runtime.errors import Forbidden, Unauthorized

ROLES = ("peer", "coordinator", "leader", "admin", "national_coordinator")
AUDIENCE = os.environ.get("JWT_AUDIENCE", "peer-platform")
PUBLIC = ("public",)


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    instance: str

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


@lru_cache(maxsize=1)
def _jwks_client(url: str):
    return jwt.PyJWKClient(url)


def _verification_key(token: str):
    if url := os.environ.get("JWT_JWKS_URL"):
        return _jwks_client(url).get_signing_key_from_jwt(token).key, ["RS256", "ES256"]
    if pem := os.environ.get("JWT_PUBLIC_KEY"):
        return pem, ["RS256", "ES256"]
    return settings().jwt_secret, ["HS256"]


def verify(token: str) -> Principal:
    try:
        key, algorithms = _verification_key(token)
        claims = jwt.decode(token, key, algorithms=algorithms, audience=AUDIENCE,
                            options={"require": ["exp", "sub", "aud"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token expired") from None
    except jwt.InvalidAudienceError:
        raise Unauthorized("token is for another audience") from None
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"invalid token: {type(exc).__name__}") from None
    roles = claims.get("roles")
    if not isinstance(roles, list) or not set(roles) <= set(ROLES):
        raise Unauthorized("token roles: must be a list of known roles")
    if not isinstance(claims.get("instance"), str):
        raise Unauthorized("token instance: missing")
    return Principal(str(claims["sub"]), frozenset(roles), claims["instance"])


def authorise(request, allow: tuple[str, ...], config=None) -> Principal | None:
    """The caller, if allowed by the endpoint's declaration; raises 401/403 otherwise."""
    if tuple(allow) == PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Authorization: a bearer token is required")
    principal = verify(token.strip())
    if principal.instance != settings().instance_id:
        raise Forbidden("token instance: the token belongs to another instance")
    if not principal.has(*allow):
        raise Forbidden(f"roles: this operation needs one of {', '.join(allow)}")
    return principal


def principal_of(request) -> Principal | None:
    return request.environ.get("peer.principal")


def mint_token(subject: str, roles: list[str], instance: str | None = None, ttl_seconds: int = 3600,
               secret: str | None = None) -> str:
    """A development token signed with the shared secret (production tokens come from the OIDC provider)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"roles: unknown role(s) {sorted(unknown)}")
    now = int(time.time())
    claims = {"sub": subject, "roles": list(roles), "instance": instance or settings().instance_id,
              "aud": AUDIENCE, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret or settings().jwt_secret, algorithm="HS256")
