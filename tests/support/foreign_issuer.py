"""Another instance's credentials, for tests that run one region: a key of its own, its JWKS served over real
HTTP on loopback (what `CREDENTIAL_ISSUERS` points a region at), and Open Badges 3.0 credentials signed with it
exactly as that instance's courses service signs them (services/courses/credentials.py)."""
from __future__ import annotations

import json
import threading
import uuid
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.courses import credentials


class ForeignIssuer:
    def __init__(self, instance_id: str = "region-1085"):
        self.instance_id, self.key = instance_id, Ed25519PrivateKey.generate()
        keys = json.dumps({"keys": [credentials.public_jwk(self.key)]}).encode()

        class Jwks(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802  (http.server's name)
                self.send_response(200 if self.path == "/.well-known/jwks.json" else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(keys)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def trusted(self) -> str:
        """The `CREDENTIAL_ISSUERS` entry a region needs to accept this issuer's credentials."""
        return f"{self.instance_id}=http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"

    def credential(self, module: dict, module_version: int = 1, completed_on: date = date(2026, 3, 3)) -> str:
        """A signed credential of a completion of `module` (title, kind, hours, module_id) held at this issuer."""
        completion = {"completion_id": str(uuid.uuid4()), "person_id": str(uuid.uuid4()),
                      "completed_on": completed_on, "module_version": module_version, "description": "", **module}
        return credentials.sign(credentials.credential(completion, self.instance_id), self.key)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
