"""Counts of the instance (GET /statistics): facts that survive erasure, never a person's data.

Erased peers are counted from `erased_peer_counts`; an erased volunteer's agreement stays in
`volunteer_agreements` without the person (services/roles/projections.py), so the counts do not move
when a person is erased, nor when the read models are rebuilt.
"""
from __future__ import annotations

from runtime.http.entrypoint import api
from services.roles import schemas

STATISTICS_READERS = ("coordinator", "leader", "admin")  # staff; counts hold nothing about a person
AGREEMENT_STATES = ("draft", "active", "paused", "ended")
PEER_KINDS = ("paid", "volunteer")


class StatisticsApi:
    @api("GET", "/statistics", allow=STATISTICS_READERS, returns=schemas.RolesStatistics,
         summary="Counts of function descriptions, peers and volunteer agreements (unchanged by erasure)")
    def statistics(self, request):
        descriptions = self.db.execute(
            "SELECT count(*) AS total, count(*) FILTER (WHERE status = 'published') AS published "
            "FROM function_descriptions").fetchone()
        peers = dict.fromkeys(PEER_KINDS, 0)
        for row in self.db.execute("SELECT kind, count(*) AS n FROM peers GROUP BY kind "
                                   "UNION ALL SELECT kind, erased FROM erased_peer_counts").fetchall():
            peers[row["kind"]] = peers.get(row["kind"], 0) + row["n"]
        agreements = dict.fromkeys(AGREEMENT_STATES, 0)
        for row in self.db.execute("SELECT status, count(*) AS n FROM volunteer_agreements GROUP BY status"):
            agreements[row["status"]] = row["n"]
        return {"function_descriptions": descriptions, "peers": peers,
                "volunteer_agreements": {"total": sum(agreements.values()), **agreements}}
