"""The overview's contract: national coordinators only, CSV documented as text/csv, the query checked."""
import pytest
from marshmallow import ValidationError

from runtime.openapi import document
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
