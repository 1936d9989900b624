"""The networks' facts in the national store (real PostgreSQL): a corrected report replaces the earlier one in
`picture_cells`, and `rebuild` (runtime/eventstore/projection.py, as `peer-admin rebuild national`) gives the
same rows as the live projection."""
import uuid
from datetime import datetime, timezone

from runtime import db, eventstore
from runtime.eventstore.projection import rebuild
from services.national import projections
from tests.support.instance import Instance

METADATA = eventstore.Metadata("network", "region-1084", "instance", uuid.uuid4())
MEETING, NETWORK = "meeting_report-region-1084:p2:m1", "network_size-region-1084:p2:n1"


def held(occurrence, paid, volunteer, held_on="2026-03-10"):
    return "meeting_report.held", {"meeting_kind": "sparring_meeting", "theme": None, "occurrence": occurrence,
                                   "held_on": held_on, "duration_minutes": 120, "attended_paid": paid,
                                   "attended_volunteer": volunteer}


def size(paid, volunteer, reported_on):
    return "network_size.reported", {"network_kind": "regional", "paid_members": paid,
                                     "volunteer_members": volunteer, "reported_on": reported_on}


def picture(conn) -> dict:
    return {(r["measure"], r["period"].strftime("%Y-%m")): r["value"]
            for r in conn.execute("SELECT measure, period, value FROM picture_cells WHERE instance_id = 'region-1084'")}


def test_latest_reports_count_live_and_after_a_rebuild(tmp_path):
    national = Instance("national", ("national",), tmp_path).create()
    try:
        with db.connect(national.database_url("national")) as conn:
            for stream, (event_type, payload) in [
                    (MEETING, held("20260310T080000Z", 6, 2)), (MEETING, held("20260317T080000Z", 5, 5)),
                    (MEETING, held("20260310T080000Z", 5, 3)),  # the first occurrence corrected
                    (NETWORK, size(4, 3, "2026-03-02")), (NETWORK, size(7, 5, "2026-04-01"))]:
                for stored in eventstore.append(conn, stream, [eventstore.NewEvent(event_type, payload)], None,
                                                METADATA, datetime(2026, 4, 2, tzinfo=timezone.utc)):
                    projections.project(conn, stored)
            conn.commit()
            live = picture(conn)
            assert live == {
                ("network_meetings_held", "2026-03"): 2, ("network_meeting_attendance_paid", "2026-03"): 10,
                ("network_meeting_attendance_volunteer", "2026-03"): 8,
                ("networks", "2026-04"): 1, ("network_members_paid", "2026-04"): 7,
                ("network_members_volunteer", "2026-04"): 5}, "March's size was replaced: no cell of 0 is left"
            rebuild(conn, projections.READ_MODEL_TABLES, projections.project)
            conn.commit()
            assert picture(conn) == live
    finally:
        national.destroy()
