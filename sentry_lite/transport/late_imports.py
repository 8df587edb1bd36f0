# Which threads are importing a transport module loaded on first use, for a fork to see.
#
# The worker imports its HTTP stack once, before its first send, and a fork
# waits for that (``Sender.warm_up``, ``HttpTransport.before_fork``). Code a
# healthy send never runs (reading rate-limit headers, a failure in words,
# closing, the spool) is imported when first needed instead, possibly on the
# worker while another thread forks. The child then holds that module half
# executed, with an import lock no thread of its own will ever release. Such
# imports run inside :func:`importing`: the set of importing threads, copied
# by the fork, tells the child whose half-imported modules to forget
# (half_imports.py) before it imports them again.

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["importing", "importing_at_fork"]

# Thread ids inside importing(); read in a forked child, as the fork left it.
_importers: set[int] = set()


@contextmanager
def importing() -> Iterator[None]:
    # Mark the calling thread as importing a module loaded on first use, for the block.
    ident = threading.get_ident()
    if ident in _importers:  # nested: the outer block unmarks
        yield
        return
    _importers.add(ident)
    try:
        yield
    finally:
        _importers.discard(ident)


def importing_at_fork() -> frozenset[int]:
    # In a forked child: the parent's threads that were importing such a module at the fork.
    return frozenset(_importers)
