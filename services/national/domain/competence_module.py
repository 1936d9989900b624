"""A competence module of the shared national catalogue (seed 004: the unified peer education peers asked
for, supervision training, theme days): its versions and its retirement, decided on its one stream.

The stream `competence_module-<id>` holds only what every instance receives (`competence_module.published`
per version, `competence_module.retired`), so it is the aggregate and the broadcast at once: the relay sends
it as it is, and a region's inbox sees contiguous versions. No I/O."""
from __future__ import annotations

from runtime.service.aggregate import Aggregate
from runtime.domain import RuleBroken
from runtime.eventstore import NewEvent


class CompetenceModule(Aggregate):
    CATEGORY = "competence_module"

    def __init__(self, module_id):
        super().__init__(module_id)
        self.versions: list[dict] = []
        self.retired = False

    def on_published(self, p):
        self.versions.append(dict(p))

    def on_retired(self, p):
        self.retired = True

    @property
    def current_version(self) -> int:
        return len(self.versions)

    def publish(self, details: dict) -> list[NewEvent]:
        """Version 1 of a new module, or a new version that supersedes the current one."""
        if self.retired:
            raise RuleBroken.field("module_id", "the module is retired: publish a new module instead")
        return [NewEvent("competence_module.published", {
            **details, "module_id": str(self.id), "module_version": self.current_version + 1})]

    def retire(self) -> list[NewEvent]:
        if self.retired:
            raise RuleBroken.field("module_id", "the module is already retired")
        return [NewEvent("competence_module.retired", {"module_id": str(self.id),
                                                       "module_version": self.current_version})]
