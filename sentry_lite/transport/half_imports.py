# Modules a forked child inherits half imported from a thread the fork did not copy.
#
# The worker imports its HTTP stack (urllib3, http.client, ssl, ...) on its
# own thread, after ``init()``. A fork waits for that import
# (``HttpTransport.before_fork``), but only so long: on a loaded machine it
# can still be under way. The child then holds those modules as the parent's
# worker left them, half executed, and no thread of the child will finish
# them: importing them fails (``cannot import name ... from partially
# initialized module``) or waits for good on their import lock. So the child
# forgets them, and their locks, and imports them afresh when it needs them.
#
# Only the modules the parent's SDK threads were importing (the import lock's
# owner says which thread) are forgotten: a module the forking thread itself
# was importing is still being executed by the child, and one another thread
# of the program was importing is the program's business.

from __future__ import annotations

import sys
from collections.abc import Collection

__all__ = ["forget_half_imported"]


def forget_half_imported(importers: Collection[int]) -> list[str]:
    # In a forked child: drop the modules the threads ``importers`` (ids in the parent)
    # were importing at the fork; the names dropped.
    try:
        from importlib import _bootstrap

        locks = _bootstrap._module_locks  # type: ignore[attr-defined]
    except (ImportError, AttributeError):
        return []
    forgotten = []
    for name, module in list(sys.modules.items()):
        spec = getattr(module, "__spec__", None)
        if not getattr(spec, "_initializing", False):
            continue
        reference = locks.get(name)
        lock = reference() if reference is not None else None
        if lock is None or getattr(lock, "owner", None) not in importers:
            continue
        sys.modules.pop(name, None)
        locks.pop(name, None)
        forgotten.append(name)
    return forgotten
