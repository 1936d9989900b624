"""Each service's OpenAPI document is generated from its `@api` declarations and is a valid document."""
import pytest
from openapi_spec_validator import validate

from runtime.http.openapi import api_entrypoints, document
from admin.services import NATIONAL_SERVICES, SERVICES, service_class


@pytest.mark.parametrize("service", SERVICES + NATIONAL_SERVICES)
def test_openapi_document_is_valid_and_complete(service):
    service_cls = service_class(service)  # an import error fails this test rather than skipping the service
    spec = document(service_cls)
    validate(spec)
    operations = [op for ops in spec["paths"].values() for op in ops.values()]
    assert len(operations) == len(api_entrypoints(service_cls))
    for operation in operations:
        assert operation["x-allowed-roles"], operation["operationId"]
        if operation["x-allowed-roles"] != ["public"]:
            assert operation["security"] == [{"bearer": []}]
            assert {"401", "403"} <= set(operation["responses"])


def test_request_schemas_use_wire_names():
    spec = document(service_class("roles"))
    fill = spec["components"]["schemas"]["FillLocalFields"]
    assert "fields" in fill["properties"] and "fields_" not in fill["properties"]
    assert "nearest_leader" in spec["components"]["schemas"]["LocalFields"]["properties"]


def test_served_document_matches(instance):
    instance.start_service("roles")
    served = instance.call("GET", "roles", "/openapi.json", token=False)
    assert served.status_code == 200
    assert served.json()["paths"].keys() == document(service_class("roles"))["paths"].keys()


def test_non_json_answers_are_described_with_their_media_type():
    spec = document(service_class("courses"))
    calendar = spec["paths"]["/calendars/group-courses/{course_id}.ics"]["get"]["responses"]["200"]["content"]
    assert list(calendar) == ["text/calendar"]
    assert list(spec["paths"]["/reports/hours.csv"]["get"]["responses"]["200"]["content"]) == ["text/csv"]
