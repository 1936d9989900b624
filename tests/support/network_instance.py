"""An instance running roles and network (with their relays, as a test starts them): peers registered in
roles and known to network once roles' event has come through the broker."""
from __future__ import annotations

import uuid

from tests.support.instance import Instance, wait_until


class NetworkInstance(Instance):
    def as_peer(self, peer_id, method, path, service="network", **kwargs):
        return self.call(method, service, path, token=self.token("peer", subject=str(peer_id)), **kwargs)

    def as_coordinator(self, method, path, service="network", **kwargs):
        return self.call(method, service, path, token=self.token("coordinator", subject=self.coordinator), **kwargs)

    def register_peer(self, kind: str, name: str) -> str:
        """A peer registered in roles, and known to network once roles' event has come through the broker."""
        peer_id = str(uuid.uuid4())
        title = "frivillig peer" if kind == "volunteer" else "peer-medarbejder"
        answer = self.as_coordinator("POST", "/peers", service="roles", json={
            "peer_id": peer_id, "kind": kind, "title": title, "name": name, "workplace": "Parkvænget"})
        assert answer.status_code == 201, answer.text
        return peer_id

    def wait_known(self, *peer_ids) -> None:
        def known():
            with self.network_db() as conn:
                rows = conn.execute("SELECT id FROM network_peers WHERE id = ANY(%s::uuid[])", (list(peer_ids),))
                return len(rows.fetchall()) == len(peer_ids)
        wait_until(known, timeout=30, message="network knows the peers roles registered")

    def network_db(self):
        from runtime import db

        return db.connect(self.database_url("network"))
