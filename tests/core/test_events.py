"""The domain events outbox: recorded with the change, relayed after the commit, at least
once, every subscriber on its own."""

import pytest
from django.db import transaction

from louage.core import events
from louage.core.models import Event


@pytest.fixture
def seen(monkeypatch, settings):
    settings.EVENTS_RELAY_INLINE = False  # these tests relay by hand
    monkeypatch.setattr(events, "_subscribers", [])
    calls = []

    @events.subscriber("thing.*", name="collector")
    def collector(event):
        calls.append((event.type, event.data["n"]))

    return calls


@pytest.mark.django_db(transaction=True)
def test_an_event_exists_only_if_its_transaction_commits(seen):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.record("thing.happened", data={"n": 1})
        raise RuntimeError("the change is rolled back")
    assert not Event.objects.exists()
    with transaction.atomic():
        events.record("thing.happened", data={"n": 2})
    assert events.relay() == 1
    assert seen == [("thing.happened", 2)]
    assert events.relay() == 0  # relayed once


@pytest.mark.django_db(transaction=True)
def test_events_are_relayed_in_order_to_matching_subscribers_only(seen):
    for n in range(3):
        events.record("thing.happened", data={"n": n})
    events.record("other.happened", data={"n": 9})
    events.relay()
    assert seen == [("thing.happened", 0), ("thing.happened", 1), ("thing.happened", 2)]
    assert Event.objects.filter(relayed_at__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_is_retried_later_and_the_others_are_not_repeated(seen, monkeypatch):
    attempts = []

    @events.subscriber("thing.*", name="flaky")
    def flaky(event):
        attempts.append(event.event_id)
        if len(attempts) == 1:
            raise ConnectionError("down for now")

    event = events.record("thing.happened", data={"n": 1})
    assert events.relay() == 0
    event.refresh_from_db()
    assert event.relayed_at is None and event.attempts == 1
    assert event.handled_by == ["collector"]
    # Not before its pause; then once more, for the failed subscriber only.
    assert events.relay() == 0
    Event.objects.filter(pk=event.pk).update(next_attempt_at=event.created_at)
    assert events.relay() == 1
    assert seen == [("thing.happened", 1)]
    assert attempts == [event.event_id, event.event_id]


@pytest.mark.django_db(transaction=True)
def test_a_subscribers_writes_roll_back_with_its_failure(seen):
    from louage.core.models import AuditEntry

    @events.subscriber("thing.*", name="half-done")
    def half_done(event):
        AuditEntry.objects.create(action="half", object_type="x", object_id="1")
        raise ValueError("fails after writing")

    events.record("thing.happened", data={"n": 1})
    events.relay()
    assert not AuditEntry.objects.filter(action="half").exists()


@pytest.mark.django_db(transaction=True)
def test_inline_relay_runs_after_the_commit(seen, settings):
    settings.EVENTS_RELAY_INLINE = True
    with transaction.atomic():
        events.record("thing.happened", data={"n": 5})
        assert seen == []
    assert seen == [("thing.happened", 5)]


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_with_nothing_to_do_is_passed_without_a_savepoint(seen):
    """`when` decides from the event alone: a no is handled without the subscriber, without
    the savepoint around it; a yes runs it as usual."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    picky = []

    @events.subscriber("thing.*", name="picky", when=lambda event: event.data["n"] > 1)
    def picky_subscriber(event):
        picky.append(event.data["n"])

    skipped = events.record("thing.happened", data={"n": 1})
    with CaptureQueriesContext(connection) as ctx:
        assert events.relay() == 1
    savepoints = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1  # the collector's only
    skipped.refresh_from_db()
    assert skipped.relayed_at is not None and skipped.handled_by == ["collector", "picky"]
    events.record("thing.happened", data={"n": 2})
    assert events.relay() == 1
    assert picky == [2] and seen == [("thing.happened", 1), ("thing.happened", 2)]


@pytest.mark.django_db(transaction=True)
def test_per_batch_computes_once_per_relay_batch(seen, monkeypatch):
    """A `when` backed by `per_batch` reads once for a batch's events, and again for the
    next batch (what it read may have changed in between)."""
    monkeypatch.setattr(events, "BATCH", 3)
    reads = []
    wanted = {"n": 0}

    def read():
        reads.append(wanted["n"])
        return wanted["n"]

    picked = []

    @events.subscriber("thing.*", name="batched",
                       when=lambda event: event.data["n"] < events.per_batch("limit", read))  # fmt: skip
    def batched(event):
        picked.append(event.data["n"])

    for n in range(3):
        events.record("thing.happened", data={"n": n})
    assert events.relay() == 3
    assert reads == [0] and picked == []  # one read for the batch of three, nothing wanted
    wanted["n"] = 10
    for n in range(5):
        events.record("thing.happened", data={"n": n})
    assert events.relay() == 5  # two batches: 3 and 2
    assert reads == [0, 10, 10] and picked == [0, 1, 2, 3, 4]
