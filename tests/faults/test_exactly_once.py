"""Exactly once under faults: thousands of events in flight while the relay and the consumer are
killed with SIGKILL and RabbitMQ is restarted; afterwards every event was applied exactly once.

Concurrent writers append 1,000 streams x 6 events (6,000) straight into the roles event store while
the real outbox relay and the test-only `counter` service (tests/support/counting_service.py: the
`consumes` + `apply_once` path, one row per application in a table without a unique constraint) run
as processes. Each fault is injected once the counts show the stream partly through. The counts are
then compared event id by event id.

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

    .venv/bin/python -m pytest tests/faults -m fault     (counts are printed even without -s)
"""
import pytest

from tests.faults.harness import Scenario

pytestmark = pytest.mark.fault

STREAMS = 1000  # x 6 events = 6,000 events per scenario
PACE = 0.01  # seconds each of the 4 writers waits between appends: appends span ~20 s, not ~8 s


def kill_relay_mid_stream(run: Scenario) -> None:
    # The relay starts with a backlog, so it publishes batches back to back; kill it as soon as its
    # first checkpoint lands, i.e. in the middle of a later batch (published, not checkpointed).
    run.wait_for(lambda p: p.appended >= 1500, "a backlog for the relay")
    run.instance.start_relay("roles")
    run.wait_for(lambda p: p.published_to > 0 and p.applied > 0, "the relay's first checkpoint")
    run.kill_relay()
    # And once more in steady state, while the writers are still appending.
    run.wait_for(lambda p: p.appended >= 4000 and p.applied >= 1500, "steady state")
    run.kill_relay()


def kill_counter_mid_stream(run: Scenario) -> None:
    run.wait_for(lambda p: p.applied >= 1500, "1,500 events applied")
    run.kill_counter()
    # Then with commits in flight: acked before commit, they would be lost.
    run.wait_for(lambda p: p.applied >= 3500, "3,500 events applied")
    run.kill_counter_mid_commit()


def restart_broker_mid_stream(run: Scenario) -> None:
    # While the writers append and the relay has a batch out, unconfirmed (the memory alarm holds it).
    run.wait_for(lambda p: p.applied >= 1000, "1,000 events applied")
    run.restart_broker(awaiting_confirms=True)


def all_faults_mid_stream(run: Scenario) -> None:
    run.wait_for(lambda p: p.appended >= 1500, "a backlog for the relay")
    run.instance.start_relay("roles")
    run.wait_for(lambda p: p.published_to > 0 and p.applied > 0, "the relay's first checkpoint")
    run.kill_relay()
    run.wait_for(lambda p: p.applied >= 1000, "1,000 events applied")
    run.kill_counter()
    # While the writers still append and the relay publishes, and thousands wait in the queue.
    run.wait_for(lambda p: p.appended >= 4000, "4,000 events appended")
    run.restart_broker()


SCENARIOS = {
    # name: (faults, whether the relay runs from the start, whether the roles feed serves catch-up)
    # The single-fault scenarios run without the feed: a consumer's catch-up at start-up would repair
    # what the broker path lost and hide a broken ack-after-commit or checkpoint-after-confirms.
    "relay-killed": (kill_relay_mid_stream, False, False),
    "consumer-killed": (kill_counter_mid_stream, True, False),
    "broker-restarted": (restart_broker_mid_stream, True, False),
    # The whole system: the broker path and the feed catch-up both deliver; the inbox dedupes both.
    "all-three": (all_faults_mid_stream, False, True),
}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def outcome(request, tmp_path_factory):
    """Run one scenario to the end; both tests below judge the same run."""
    from tests.faults.harness import CountingInstance

    faults, relay_from_start, feed = SCENARIOS[request.param]
    instance = CountingInstance(workdir=tmp_path_factory.mktemp(request.param)).create()
    run = Scenario(instance, streams=STREAMS, pause=PACE)
    try:
        run.start(relay=relay_from_start, feed=feed)
        faults(run)
        result = run.finish(timeout=180)
        result.scenario = request.param
        result.logdir = instance.logdir
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
           f"appended={appended} applied={applied} lost={len(lost)} duplicates={duplicates}")

    assert appended >= 5000
    assert outcome.faults, "no fault was injected"
    twice = [(e, n) for e, n in outcome.applications.items() if n > 1]
    assert not lost, (f"{len(lost)} events never applied (dead-lettered: {outcome.dead_lettered}), "
                      f"e.g. {sorted(lost)[:5]}; {outcome.diagnosis}; logs in {outcome.logdir}")
    assert duplicates == 0, f"{len(twice)} events applied more than once, e.g. {twice[:5]}"
    assert not outcome.unknown, f"applied events that were never appended: {sorted(outcome.unknown)[:5]}"
    assert applied == appended
    assert outcome.dead_lettered == 0


def test_each_stream_applied_in_stream_version_order(outcome, capsys):
    streams = {row["stream"] for row in outcome.applied_rows}
    out_of_order = outcome.streams_out_of_order()
    report(outcome, capsys, f"streams={len(streams)} out_of_order={len(out_of_order)} "
                            f"parked_then_applied_in_order={outcome.deliveries.get('parked', 0)}")
    assert len(streams) == STREAMS
    assert not out_of_order, f"{len(out_of_order)} streams applied out of version order, e.g. " + \
        "; ".join(f"{s}: {v}" for s, v in list(out_of_order.items())[:3])


def test_no_process_dies_of_a_fault(outcome, capsys):
    """The relay and every nameko service ride out the faults by themselves: after a broker restart
    they reconnect, and a killed peer does not take them down. (A process that died anyway was
    restarted by the harness, as an operator would, so that the counts above are still judged.)"""
    report(outcome, capsys, f"processes that died of a fault: {outcome.dead or 'none'}")
    assert not outcome.dead, "did not survive: " + " | ".join(outcome.dead)
