"""Counts of the instance (GET /statistics), as roles and courses have: per network its members by kind of
peer, meetings held and attendance; for the instance's staff. Attendance is counted from the
`network_activity` facts (the latest of each activity: attended, or withdrawn by a correction), which no
erasure removes, so it moves neither with an erasure nor with a rebuild; members are those of today."""
from __future__ import annotations

from runtime.http.entrypoint import api
from services.network import schemas

STATISTICS_READERS = ("coordinator", "leader", "admin")  # staff; counts hold nothing about a person
_PER_NETWORK = """
SELECT n.id AS network_id, n.name, n.kind,
       (SELECT count(*) FROM network_members m WHERE m.network_id = n.id AND m.peer_kind = 'paid') AS paid_members,
       (SELECT count(*) FROM network_members m WHERE m.network_id = n.id AND m.peer_kind = 'volunteer')
           AS volunteer_members,
       (SELECT count(*) FROM meeting_occurrences o JOIN meetings g ON g.id = o.meeting_id
         WHERE g.network_id = n.id AND o.status = 'held') AS meetings_held
FROM networks n ORDER BY n.created_at, n.id"""
# The latest fact of each attendance (one stream per peer and occurrence), with its meeting.
_ATTENDED = """
SELECT (payload->>'meeting_id')::uuid AS meeting_id, count(*) AS n FROM (
    SELECT DISTINCT ON (stream_name) event_type, payload FROM events
    WHERE event_type IN ('network_activity.attended', 'network_activity.withdrawn')
    ORDER BY stream_name, stream_version DESC) latest
WHERE event_type = 'network_activity.attended' GROUP BY 1"""


class StatisticsApi:
    @api("GET", "/statistics", allow=STATISTICS_READERS, returns=schemas.NetworkStatistics,
         summary="Counts per network (members by kind, meetings held, attendance) and of the instance")
    def statistics(self, request):
        attended = {str(r["meeting_id"]): r["n"] for r in self.db.execute(_ATTENDED).fetchall()}
        meeting_network = {str(r["id"]): str(r["network_id"]) if r["network_id"] else None
                           for r in self.db.execute("SELECT id, network_id FROM meetings").fetchall()}
        by_network: dict[str | None, int] = {}
        for meeting_id, n in attended.items():
            key = meeting_network.get(meeting_id)
            by_network[key] = by_network.get(key, 0) + n
        networks = [{**row, "attendance": by_network.get(str(row["network_id"]), 0)}
                    for row in self.db.execute(_PER_NETWORK).fetchall()]
        held = self.db.execute("SELECT count(*) AS n FROM meeting_occurrences WHERE status = 'held'").fetchone()["n"]
        return {"networks": networks,
                "totals": {"networks": len(networks),
                           "paid_members": sum(n["paid_members"] for n in networks),
                           "volunteer_members": sum(n["volunteer_members"] for n in networks),
                           "meetings_held": held, "attendance": sum(attended.values())}}
