# ``sentry-lite receive``: a local endpoint that prints the events it gets.
#
# For trying the SDK without a Sentry server: it starts a
# :class:`~sentry_lite.local.receiver.Receiver` (127.0.0.1 unless told otherwise),
# prints the DSN to give ``sentry_lite.init()``, then prints each event as it
# arrives, as ``sentry-lite demo`` does (or as one JSON line with ``--json``),
# until Ctrl-C. Nothing is stored: each envelope is forgotten once printed.

from __future__ import annotations

import json
import queue
from typing import TYPE_CHECKING, Any, TextIO

from sentry_lite.local import pretty

if TYPE_CHECKING:
    from sentry_lite.local.receiver import ReceivedEnvelope, Receiver

__all__ = ["run_receive"]

_POLL_SECONDS = 0.2  # how often rejected requests are looked for (and Ctrl-C seen on Windows)
_ANY_ADDRESS = ("0.0.0.0", "")


def run_receive(
    out: TextIO, err: TextIO, *, host: str, port: int, as_json: bool = False, width: int = 100
) -> int:
    # Receive and print events until Ctrl-C (then 0); 1 if it cannot listen.
    #
    # Events go to ``out``; with ``as_json`` each is one JSON line and what is
    # said to the person (the DSN, rejected requests) goes to ``err``.
    from sentry_lite.local.receiver import Receiver

    receiver = Receiver(host=host, port=port)
    try:
        receiver.start()
    except (OSError, OverflowError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        err.write(f"sentry-lite receive: cannot listen on {host}:{port}: {reason}\n")
        return 1
    printer = _Printer(out, err, as_json=as_json, width=width)
    try:
        inbox: queue.Queue[ReceivedEnvelope] = queue.Queue()
        receiver.on_envelope = inbox.put
        printer.say(_banner(receiver))
        _serve(receiver, inbox, printer)
    except KeyboardInterrupt:
        pass
    finally:
        receiver.on_envelope = None
        receiver.stop()
    printer.say(f"\nStopped. {_count(printer.events, 'event')} received.")
    return 0


def _banner(receiver: Receiver) -> str:
    dsn = receiver.dsn
    lines = [f"Receiving Sentry events on {receiver.url} (Ctrl-C to stop)."]
    if receiver.host in _ANY_ADDRESS:
        dsn = dsn.replace(f"@{receiver.host}:", "@127.0.0.1:", 1)
        lines.append("It listens on every interface: other machines use this one's address.")
    lines += [
        "Point the SDK at it with this DSN:",
        "",
        f"    SENTRY_DSN={dsn}",
        "",
        f'    sentry_lite.init("{dsn}")',
        "",
    ]
    return "\n".join(lines)


def _serve(receiver: Receiver, inbox: queue.Queue[ReceivedEnvelope], printer: _Printer) -> None:
    # Print what arrives, forever (until KeyboardInterrupt).
    while True:
        try:
            received = inbox.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            received = None
        if received is not None:
            printer.envelope(received)
        rejected = list(receiver.rejected)
        for status, reason in rejected:
            printer.say(f"Rejected a request: {status} {reason}.")
        if received is not None or rejected:
            # Everything stored has been handed to on_envelope already: keep no history.
            receiver.clear()


class _Printer:
    # Writes events readably or as JSON lines; counts them.

    def __init__(self, out: TextIO, err: TextIO, *, as_json: bool, width: int) -> None:
        self.out = out
        self.err = err
        self.as_json = as_json
        self.width = width
        self.events = 0

    def say(self, text: str) -> None:
        # A line for the person watching: on stderr when stdout carries JSON.
        stream = self.err if self.as_json else self.out
        stream.write(text + "\n")
        stream.flush()

    def envelope(self, received: ReceivedEnvelope) -> None:
        events = [item.json() for item in received.envelope.items if item.type == "event"]
        others = [item.type for item in received.envelope.items if item.type != "event"]
        for event in events:
            self.events += 1
            self._event(event)
        if others and not events:
            self.say(f"(received {', '.join(others)}: no event)")

    def _event(self, event: Any) -> None:
        if self.as_json:
            self.out.write(json.dumps(event) + "\n")
        else:
            rule = f"--- event {self.events} "
            self.out.write(f"\n{rule.ljust(self.width, '-')}\n")
            self.out.write(pretty.render_event(event, width=self.width) + "\n")
        self.out.flush()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
