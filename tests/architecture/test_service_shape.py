"""Service folders read alike: each is `service.py` (the nameko service, composed of its API mixins),
`schemas.py` (request and answer schemas), `projections.py` (its read models), `api/` (one mixin per
resource) and `domain/` (its aggregates); the mixins share what every one of them needs in `api/base.py`."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "service.py").exists())
COMMON = ("__init__.py", "service.py", "schemas.py", "projections.py", "api/__init__.py", "domain/__init__.py")


def test_every_service_is_found():
    assert {"roles", "courses", "network", "notifications", "national"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_folder_has_the_common_shape(service):
    missing = [part for part in COMMON if not (ROOT / "services" / service / part).exists()]
    assert not missing, f"services/{service} lacks {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_its_api_mixins_share_one_base(service):
    assert (ROOT / "services" / service / "api" / "base.py").exists(), \
        f"services/{service}/api/base.py: what its mixins share"
