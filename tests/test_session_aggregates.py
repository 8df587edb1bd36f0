"""sessions/_aggregates.py: minute buckets, when they are due, at most 100 per item."""

from __future__ import annotations

from sentry_lite.sessions._aggregates import INTERVAL, RequestSessions

ATTRS = {"release": "web@1"}


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def payloads(envelopes):
    return [item.json() for envelope in envelopes for item in envelope.items]


def test_requests_in_one_minute_share_a_bucket():
    wall = Clock(1_800_000_000.0)  # 2027-01-15T08:00:00Z
    requests = RequestSessions(ATTRS, clock=Clock(), wall=wall)
    for outcome in ("exited", "exited", "errored", "crashed"):
        requests.add(outcome)
    wall.now += 61
    requests.add("exited")
    [payload] = payloads(requests.take_all())
    assert payload == {
        "aggregates": [
            {"started": "2027-01-15T08:00:00.000000Z", "exited": 2, "errored": 1, "crashed": 1},
            {"started": "2027-01-15T08:01:00.000000Z", "exited": 1},
        ],
        "attrs": ATTRS,
    }
    assert requests.take_all() == []


def test_due_a_minute_after_the_first_request_and_the_worker_is_woken_once():
    clock = Clock()
    woken = []
    requests = RequestSessions(ATTRS, clock=clock)
    requests.on_started = woken.append
    assert requests.take_due() == ([], None)
    requests.add("exited")
    requests.add("exited")
    assert woken == [INTERVAL]
    clock.now += INTERVAL - 1
    envelopes, wait = requests.take_due()
    assert (envelopes, wait) == ([], 1.0)
    clock.now += 1
    envelopes, wait = requests.take_due()
    assert wait is None
    assert payloads(envelopes)[0]["aggregates"][0]["exited"] == 2
    requests.add("exited")
    assert woken == [INTERVAL, INTERVAL]


def test_at_most_100_buckets_per_item():
    wall = Clock(1_800_000_000.0)
    requests = RequestSessions(ATTRS, clock=Clock(), wall=wall)
    for minute in range(250):
        requests.add("exited", started=wall.now + 60 * minute)
    assert requests.pending() == 250
    sizes = [len(payload["aggregates"]) for payload in payloads(requests.take_all())]
    assert sizes == [100, 100, 50]
