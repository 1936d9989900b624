"""The benchmarks' workload over HTTP: a function description through its life at the roles service
(adopt, fill the local fields, decide the support mode, publish), split where a benchmark times one step."""
from __future__ import annotations

# What a leader fills in before publishing (personal ones are sealed by the roles service's vault).
LOCAL_FIELDS = {
    "organisational_placement": "Socialpsykiatrien, Parkvænget",
    "nearest_leader": "Lene Leder",
    "mentor": "Mette Mentor",
    "internal_partners": ["Personalegruppen på Parkvænget"],
    "special_tasks": {"2": ["Udvikle og afholde 3 workshops"]},
}
COMMANDS_PER_DESCRIPTION = 4


def adopt(instance, session, i: int) -> str:
    """A new function description at workplace `i`; its id."""
    adopted = session.post(instance.url("roles", "/function-descriptions"),
                           json={"workplace": f"Arbejdsplads {i}"}, timeout=30)
    adopted.raise_for_status()
    return adopted.json()["id"]


def fill_and_decide(instance, session, description_id: str) -> int:
    """Local fields filled and the support mode decided: ready to publish; its version."""
    path = f"/function-descriptions/{description_id}"
    session.patch(instance.url("roles", f"{path}/local-fields"), json={"fields": LOCAL_FIELDS},
                  timeout=30).raise_for_status()
    decided = session.put(instance.url("roles", f"{path}/support-mode"), json={"support_mode": "both"}, timeout=30)
    decided.raise_for_status()
    return decided.json()["version"]


def publish(instance, session, description_id: str, version: int) -> None:
    session.post(instance.url("roles", f"/function-descriptions/{description_id}/publish"),
                 json={"expected_version": version}, timeout=30).raise_for_status()


def description_through_its_life(instance, session, i: int) -> None:
    description_id = adopt(instance, session, i)
    publish(instance, session, description_id, fill_and_decide(instance, session, description_id))
