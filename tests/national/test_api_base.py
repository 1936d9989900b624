"""The national service's API mixins share services/national/api/base.py like every other service's: its
application steps are the ones the service class resolves (nothing of the service shadows them: its
received facts are stored by `_store_fact`, not by a `_record` of its own)."""
from services.national.api import competence, events, overview
from services.national.api.base import COORDINATORS, ApiBase
from services.national.service import NationalService


def test_every_mixin_shares_the_base_and_the_service_resolves_its_steps():
    for mixin in (overview.OverviewApi, events.NationalEventsApi, competence.CompetenceCatalogueApi):
        assert issubclass(mixin, ApiBase), mixin.__name__
    for step in ("_load", "_record", "_publish"):
        assert getattr(NationalService, step) is getattr(ApiBase, step), step
    assert COORDINATORS == ("national_coordinator",) and overview.READERS == COORDINATORS
