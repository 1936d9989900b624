"""Hours per peer and period (month), derived from facilitated group sessions, individual support
sessions and a peer's own attendance as a participant; exported as CSV for reports.

The CSV is RFC 4180 (comma, CRLF, UTF-8) with minutes as whole numbers next to decimal hours, so
it imports the same way in any spreadsheet locale."""
from __future__ import annotations

import csv
import io

from services.courses import texts

_QUERY = """
SELECT peer_id, to_char(day, 'YYYY-MM') AS period,
       coalesce(sum(minutes) FILTER (WHERE kind = 'group_facilitation'), 0)::int AS group_facilitation_minutes,
       coalesce(sum(minutes) FILTER (WHERE kind = 'individual_session'), 0)::int AS individual_session_minutes,
       coalesce(sum(minutes) FILTER (WHERE kind = 'participation'), 0)::int AS participation_minutes,
       sum(minutes)::int AS total_minutes,
       count(*) FILTER (WHERE kind IN ('group_facilitation', 'individual_session'))::int AS activities
FROM peer_time
WHERE day BETWEEN %(from)s AND %(to)s AND (%(peer)s::uuid IS NULL OR peer_id = %(peer)s::uuid)
GROUP BY peer_id, period ORDER BY peer_id, period
"""

def rows(conn, date_from, date_to, peer_id=None) -> list[dict]:
    found = conn.execute(_QUERY, {"from": date_from, "to": date_to,
                                  "peer": str(peer_id) if peer_id else None}).fetchall()
    return [{**r, "total_hours": round(r["total_minutes"] / 60, 2)} for r in found]


def to_csv(report: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(texts.lines("hours_header.txt.j2"))
    for r in report:
        writer.writerow([r["peer_id"], r["period"], r["group_facilitation_minutes"], r["individual_session_minutes"],
                         r["participation_minutes"], r["total_minutes"], f"{r['total_hours']:.2f}", r["activities"]])
    return out.getvalue()
