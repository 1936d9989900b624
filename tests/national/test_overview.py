"""The overview's contract: national coordinators only, CSV documented as text/csv, the query checked."""
import pytest
from marshmallow import ValidationError

from runtime.http.openapi import document
from services.national.schemas import PictureQuery
from services.national.service import NationalService


def test_the_overview_is_for_national_coordinators_and_its_csv_is_documented():
    paths = document(NationalService)["paths"]
    for path in ("/national/picture", "/national/picture.csv"):
        assert paths[path]["get"]["x-allowed-roles"] == ["national_coordinator"]
    assert "text/csv" in paths["/national/picture.csv"]["get"]["responses"]["200"]["content"]


@pytest.mark.parametrize("query, field", [({"from": "2026-13"}, "from"), ({"to": "26-01"}, "to"),
                                          ({"region": "region-1084,national"}, "region"),
                                          ({"from": "2026-05", "to": "2026-01"}, "from")])
def test_a_bad_query_names_its_field(query, field):
    with pytest.raises(ValidationError) as refused:
        PictureQuery().load(query)
    assert field in refused.value.messages


def test_the_national_service_starts_on_a_broker_without_the_multi_region_definitions(tmp_path):
    """Guards: `peer-admin declare-topology` and the service at a single-instance run of the national profile
    (no `national.inbound` declared by deploy/) must not fail on the exchange they bind."""
    from tests.support.instance import Instance

    national = Instance("national", ("national",), tmp_path).create()
    try:
        national.start_service("national")
        answer = national.call("GET", "national", "/national/picture", roles=("national_coordinator",))
        assert answer.status_code == 200 and all(m["cells"] == [] for m in answer.json()["measures"])
    finally:
        national.destroy()
