# Event ids and the sampling draw, from the SDK's own random generator.

from __future__ import annotations

import os
from typing import Any

__all__ = ["new_event_id", "sample_draw"]


def new_event_id() -> str:
    # A random UUID4 as 32 hex digits.
    #
    # From the SDK's own ``random.Random`` rather than ``uuid.uuid4()``: event
    # ids need to be unique, not secret, and ``os.urandom`` releases the GIL,
    # so a capture would wait for the worker thread to hand it back (up to the
    # 5 ms switch interval while the worker encodes). Not the module-level
    # ``random`` functions: a program that seeds them (simulations, ML, test
    # runners) would repeat event ids across runs, and Sentry keeps only the
    # first event with an id; capturing would also shift the program's numbers.
    bits = _generator().getrandbits(128) & _UUID4_CLEAR | _UUID4_SET
    return f"{bits:032x}"


# The version (4) and variant (RFC 4122) bits of a UUID4, as uuid.UUID sets them.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)

_rng: Any = None  # random.Random, made on first use (``random`` costs ~1 ms to import)


def _generator() -> Any:
    global _rng  # noqa: PLW0603 -- one per process
    if _rng is None:
        from random import Random

        _rng = Random()  # seeded from os.urandom
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_rng.seed)  # a child must not repeat ids
    return _rng


def sample_draw() -> float:
    # A number in [0, 1) for ``sample_rate``.
    return float(_generator().random())
