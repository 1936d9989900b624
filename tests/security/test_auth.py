"""Authentication: what a token must be to be accepted, and the 401/403 problem documents otherwise.

Unit level (no processes): `verify` and `authorise` against a werkzeug request, for the shared
secret (development), a PEM public key and a JWKS (an OIDC provider's key set).
"""
import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from typer.testing import CliRunner
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from runtime.http import auth
from runtime.errors import Forbidden, Unauthorized
from runtime.http.entrypoint import problem_response

SECRET = "unit-test-secret-" + "x" * 32
INSTANCE = "region-1084"


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    for name in ("JWT_JWKS_URL", "JWT_PUBLIC_KEY", "JWT_ISSUER", "JWT_AUDIENCE", "JWT_LEEWAY",
                 "JWT_ROLES_CLAIM", "JWT_INSTANCE_CLAIM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("INSTANCE_ID", INSTANCE)


def claims(**overrides):
    now = int(time.time())
    base = {"sub": "user-7", "roles": ["leader"], "instance": INSTANCE, "aud": "peer-platform",
            "iat": now, "exp": now + 86400}  # tokens are made at collection: valid through a long suite
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs256(secret=SECRET, **overrides):
    return jwt.encode(claims(**overrides), secret, algorithm="HS256")


def request(token=None, scheme="Bearer"):
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return Request(EnvironBuilder(path="/x", headers=headers).get_environ())


def refused(token, allow=("leader",), scheme="Bearer"):
    with pytest.raises((Unauthorized, Forbidden)) as caught:
        auth.authorise(request(token, scheme), allow)
    return caught.value


# -- accepted -------------------------------------------------------------------------------------
def test_a_valid_token_of_this_instance_with_an_allowed_role_is_accepted():
    principal = auth.authorise(request(hs256(roles=["leader", "peer"])), ("leader",))
    assert principal == auth.Principal("user-7", frozenset({"leader", "peer"}), INSTANCE)


def test_the_minted_development_token_is_accepted_and_public_needs_none():
    token = auth.mint_token("user-1", ["admin"], INSTANCE, 60)
    assert auth.authorise(request(token), ("admin",)).roles == {"admin"}
    assert auth.authorise(request(None), auth.PUBLIC) is None


def test_clock_skew_within_the_leeway_is_tolerated():
    now = int(time.time())
    assert auth.verify(hs256(exp=now - 10, iat=now - 100))  # expired 10 s ago, leeway 30 s
    assert auth.verify(hs256(nbf=now + 10, iat=now + 10))   # a clock 10 s ahead


# -- 401 --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("token, scheme, detail", [
    (None, "Bearer", "bearer token is required"),
    ("", "Bearer", "bearer token is required"),
    (hs256(), "Basic", "bearer token is required"),
    ("not.a.jwt", "Bearer", "invalid token"),
    (hs256(secret="someone-elses-secret-" + "y" * 32), "Bearer", "signature does not verify"),
    (hs256(exp=int(time.time()) - 120), "Bearer", "token expired"),
    (hs256(nbf=int(time.time()) + 3600), "Bearer", "not yet valid"),
    (hs256(iat=int(time.time()) + 3600), "Bearer", "not yet valid"),
    (hs256(aud="another-platform"), "Bearer", "another audience"),
    (hs256(exp=None), "Bearer", "claim missing: exp"),
    (hs256(sub=None), "Bearer", "claim missing: sub"),
    (hs256(roles="leader"), "Bearer", "list of role names"),
    (hs256(instance=None), "Bearer", "instance: missing"),
    (jwt.encode(claims(), None, algorithm="none"), "Bearer", "algorithm not accepted"),
], ids=["missing", "empty", "basic-scheme", "malformed", "forged", "expired", "nbf-future", "iat-future",
        "audience", "no-exp", "no-sub", "roles-not-list", "no-instance", "alg-none"])
def test_missing_malformed_expired_or_forged_tokens_are_401(token, scheme, detail):
    problem = refused(token, scheme=scheme)
    assert isinstance(problem, Unauthorized), problem.detail
    assert detail in problem.detail
    assert problem.headers["WWW-Authenticate"].startswith("Bearer realm=")


def test_the_401_problem_document_has_the_challenge_header_and_no_token_content():
    token = hs256(secret="someone-elses-secret-" + "y" * 32, sub="Lene Leder")
    response = problem_response(refused(token))
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="peer-platform", error="invalid_token"'
    body = json.loads(response.get_data())
    assert body["type"] == "/problems/unauthorized" and body["status"] == 401
    assert "Lene" not in response.get_data(as_text=True) and token not in response.get_data(as_text=True)


def test_hs256_tokens_are_refused_once_a_public_key_is_configured(monkeypatch):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    monkeypatch.setenv("JWT_PUBLIC_KEY", key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    assert isinstance(refused(hs256()), Unauthorized)  # the development secret no longer counts


def test_issuer_is_checked_when_configured(monkeypatch):
    monkeypatch.setenv("JWT_ISSUER", "https://login.region-h.example/realms/peer")
    assert "claim missing: iss" in refused(hs256()).detail
    assert "another issuer" in refused(hs256(iss="https://evil.example")).detail
    assert auth.verify(hs256(iss="https://login.region-h.example/realms/peer"))
    minted = auth.mint_token("user-1", ["peer"], INSTANCE, 60)
    assert jwt.decode(minted, options={"verify_signature": False})["iss"] == "https://login.region-h.example/realms/peer"


# -- 403 --------------------------------------------------------------------------------------------
def test_a_token_of_another_instance_is_403_whatever_its_roles():
    problem = refused(hs256(instance="region-1083", roles=list(auth.ROLES)))
    assert isinstance(problem, Forbidden) and "another instance" in problem.detail
    assert problem_response(problem).status_code == 403


def test_a_role_not_declared_is_403_and_unknown_roles_grant_nothing():
    assert isinstance(refused(hs256(roles=["peer"]), allow=("leader", "admin")), Forbidden)
    assert isinstance(refused(hs256(roles=["superuser", "offline_access"]), allow=("admin",)), Forbidden)
    assert auth.verify(hs256(roles=["leader", "offline_access"])).roles == {"leader"}


# -- production key sources -------------------------------------------------------------------------
def _pem(private_key) -> str:
    return private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_pem_public_key_verifies_provider_tokens(monkeypatch, algorithm):
    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if algorithm == "RS256"
           else ec.generate_private_key(ec.SECP256R1()))
    monkeypatch.setenv("JWT_PUBLIC_KEY", _pem(key))
    assert auth.verify(jwt.encode(claims(), key, algorithm=algorithm)).subject == "user-7"
    other = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if algorithm == "RS256"
             else ec.generate_private_key(ec.SECP256R1()))
    assert "signature" in refused(jwt.encode(claims(), other, algorithm=algorithm)).detail
    # Algorithm confusion: the public key used as an HMAC secret must not verify.
    assert isinstance(refused(_hmac_signed(claims(), _pem(key).encode())), Unauthorized)


def _hmac_signed(payload: dict, secret: bytes) -> str:
    """An HS256 token made by hand (PyJWT itself refuses to use a public key as an HMAC secret)."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def jwks_server():
    """An identity provider's JWKS endpoint over HTTP, serving whatever `keys` holds."""
    keys = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"keys": keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/realms/peer/protocol/openid-connect/certs", keys
    server.shutdown()
    auth._jwks_client.cache_clear()


def test_a_jwks_url_selects_the_key_by_kid_and_maps_provider_claims(monkeypatch, jwks_server):
    """An OIDC provider (Keycloak-style): roles under realm_access.roles, the instance in its own claim."""
    url, keys = jwks_server
    signing = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for kid, key in (("k1", other), ("k2", signing)):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
    monkeypatch.setenv("JWT_JWKS_URL", url)
    monkeypatch.setenv("JWT_ROLES_CLAIM", "realm_access.roles")
    monkeypatch.setenv("JWT_INSTANCE_CLAIM", "peer_instance")
    auth._jwks_client.cache_clear()
    provider_claims = {**claims(roles=None, instance=None), "realm_access": {"roles": ["coordinator", "uma_authorization"]},
                       "peer_instance": INSTANCE}
    token = jwt.encode(provider_claims, signing, algorithm="RS256", headers={"kid": "k2"})
    principal = auth.authorise(request(token), ("coordinator",))
    assert principal.roles == {"coordinator"} and principal.instance == INSTANCE
    wrong_kid = jwt.encode(provider_claims, signing, algorithm="RS256", headers={"kid": "k1"})
    assert isinstance(refused(wrong_kid, allow=("coordinator",)), Unauthorized)
    unknown_kid = jwt.encode(provider_claims, signing, algorithm="RS256", headers={"kid": "k9"})
    assert "key set" in refused(unknown_kid, allow=("coordinator",)).detail
    assert isinstance(refused(hs256(), allow=("coordinator",)), Unauthorized)  # no dev tokens now


# -- declarations ---------------------------------------------------------------------------------
def test_every_endpoint_must_declare_known_roles_or_public():
    from runtime.http.entrypoint import api

    for allow in (None, (), "admin", ("admins",), ("public", "admin")):
        with pytest.raises(ValueError):
            class Service:  # noqa: F841
                name = "probe"

                @api("GET", "/probe", allow=allow)
                def probe(self, request):
                    return {}


# -- the CLI ----------------------------------------------------------------------------------------
def test_peer_admin_mint_token_mints_a_verifiable_development_token():
    from admin.cli import app

    result = CliRunner().invoke(app, ["mint-token", "--sub", "user-42", "--role", "coordinator",
                                      "--role", "peer", "--ttl", "120"])
    assert result.exit_code == 0, result.output
    principal = auth.verify(result.output.strip())
    assert principal == auth.Principal("user-42", frozenset({"coordinator", "peer"}), INSTANCE)
    exp = jwt.decode(result.output.strip(), options={"verify_signature": False})["exp"]
    assert 100 < exp - time.time() <= 120

    foreign = CliRunner().invoke(app, ["mint-token", "--sub", "u", "--role", "admin", "--instance", "kommune-0101"])
    assert auth.verify(foreign.output.strip()).instance == "kommune-0101"
    bad = CliRunner().invoke(app, ["mint-token", "--sub", "u", "--role", "root"])
    assert bad.exit_code != 0 and "unknown role" in bad.output


def test_tokens_are_not_valid_for_longer_than_a_day():
    with pytest.raises(ValueError):
        auth.mint_token(str(uuid.uuid4()), ["admin"], INSTANCE, 7 * 24 * 3600)


@pytest.mark.parametrize("kty", ["OKP", "oct"])
def test_a_jwks_key_that_is_neither_rsa_nor_ec_refuses_the_token_with_401(monkeypatch, jwks_server, kty):
    """Guards issue 8 item 12: a JWKS holding an OKP (EdDSA) or `oct` (symmetric) key answered 500
    (a ValueError escaped `verify`); every token failure must be a 401 problem document."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    url, keys = jwks_server
    if kty == "OKP":
        signing = ed25519.Ed25519PrivateKey.generate()
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(signing.public_key()))
        algorithm = "EdDSA"
    else:
        signing = b"a-shared-secret-published-in-a-key-set-" + b"x" * 16
        jwk = json.loads(jwt.algorithms.HMACAlgorithm.to_jwk(signing))
        algorithm = "HS256"
    keys.append({**jwk, "kid": "k1", "use": "sig", "alg": algorithm})
    monkeypatch.setenv("JWT_JWKS_URL", url)
    auth._jwks_client.cache_clear()
    token = jwt.encode(claims(), signing, algorithm=algorithm, headers={"kid": "k1"})
    problem = refused(token)
    assert isinstance(problem, Unauthorized) and "key" in problem.detail
    response = problem_response(problem)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
