"""Which services the topology and the API tests walk: a service not built yet is skipped, a broken one is not."""
import pytest

import services
from runtime.messaging import topology


def test_a_service_with_a_missing_dependency_fails_loudly(tmp_path, monkeypatch):
    """Guards issue 8 item 13: any ModuleNotFoundError was swallowed, so a service whose dependency was
    missing silently declared no queues (and its OpenAPI test could not fail)."""
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "service.py").write_text("import a_dependency_that_is_not_installed\n")
    monkeypatch.setattr(services, "__path__", [*services.__path__, str(tmp_path)])
    monkeypatch.setattr(topology, "SERVICES_DIR", tmp_path)
    with pytest.raises(ModuleNotFoundError, match="a_dependency_that_is_not_installed"):
        topology.all_queues(("broken",))


def test_only_a_service_folder_that_does_not_exist_is_skipped():
    assert topology.built_services(("roles", "not_built_yet")) == ["roles"]
    assert {"roles", "courses", "network", "notifications"} <= set(topology.built_services())
    assert topology.all_queues(("not_built_yet",)) == []
