"""Shared fixtures: the recording receiver, with every payload checked against the protocol."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from payload_validation import COUNTS, RELAY_AVAILABLE, PayloadValidator, describe

from sentry_lite.local.receiver import Receiver

pytest_plugins = ["sdk_fixtures"]


def pytest_configure(config: pytest.Config) -> None:
    """Signals as a terminal gives them, whatever started the suite.

    A shell starts a background job (`cmd &`, `nohup`) with SIGINT or SIGHUP
    ignored, and children inherit that: the programs the tests start would
    then ignore the Ctrl-C or hang-up the tests send them, and time out.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
        signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.fixture
def payload_validator() -> PayloadValidator:
    """The validator the ``receiver`` fixture runs on each envelope.

    A test that sends invalid payloads on purpose can assert on
    ``payload_validator.failures`` and clear it, so teardown passes.
    """
    return PayloadValidator()


@pytest.fixture
def receiver(payload_validator: PayloadValidator) -> Iterator[Receiver]:
    """A running :class:`Receiver`; the test fails if any payload it got breaks the protocol."""
    with Receiver() as running:
        running.on_envelope = payload_validator
        yield running
    problems = list(payload_validator.failures)
    problems.extend(f"the validator raised {error!r}" for error in running.callback_errors)
    problems.extend(f"the receiver failed: {error!r}" for error in running.server_errors)
    if problems:
        pytest.fail(f"received payloads failed validation:\n{describe(problems)}", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many received payloads the validators checked, and how many Relay normalized."""
    if not COUNTS.requests:
        return
    if RELAY_AVAILABLE:
        from importlib.metadata import version

        relay_version = version("sentry-relay")
        relay = f"{COUNTS.relay_events} through Relay's normalizer (sentry-relay {relay_version})"
    else:
        relay = "none through Relay's normalizer (sentry-relay needs Python 3.10+)"
    terminalreporter.write_line(
        f"Payload validation: {COUNTS.requests} requests received by test receivers,"
        f" {COUNTS.events} events checked, {relay}; problems found: {COUNTS.problems}"
        " (a test that sends a bad payload on purpose clears its own; any other fails its test)"
    )


#: Markers of long tests, run only when selected with ``-m <marker>``.
SELECTED_ONLY = {
    "soak": "a soak test: run it with -m soak",
    "outage": "a long outage test: run it with -m outage",
}


def pytest_collection_modifyitems(config, items):
    """Soak, stress and long outage tests run only when asked for (``-m soak``, ``-m outage``),
    wherever they are in tests/."""
    selected = config.option.markexpr or ""
    for marker, reason in SELECTED_ONLY.items():
        if marker in selected:
            continue
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)
