"""The composition's service list (admin/services.py): a service that cannot be imported fails loudly."""
import pytest

from admin import services as composition


def test_a_service_with_a_missing_dependency_fails_loudly(tmp_path, monkeypatch):
    """Guards issue 8 item 13: any ModuleNotFoundError was swallowed, so a service whose dependency was
    missing silently declared no queues (and its OpenAPI test could not fail)."""
    (tmp_path / "broken_service.py").write_text("import a_dependency_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(composition.SERVICE_CLASSES, "broken", "broken_service:BrokenService")
    with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_installed"):
        composition.all_queues(("broken",))


def test_an_unknown_service_is_a_clear_error_and_every_listed_one_loads():
    with pytest.raises(LookupError, match="unknown service 'not_a_service'"):
        composition.service_class("not_a_service")
    for service in composition.SERVICE_CLASSES:
        assert composition.service_class(service).name == service
    assert set(composition.SERVICES + composition.NATIONAL_SERVICES) == set(composition.SERVICE_CLASSES)
