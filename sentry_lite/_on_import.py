# Patch a module when it is imported, so init() need not import it.
#
# ``http.client`` alone costs about 20 ms to import, ``concurrent.futures``'
# thread pool about 9 ms: more than init() may spend on modules the program
# may never use. :func:`when_imported` patches a module at once if it is
# already imported (once its body has run, if another thread is importing
# it); otherwise a finder at the front of ``sys.meta_path`` waits for its
# import, lets the real loader execute it, puts that loader back on the
# module (nothing else ever sees ours) and then runs the patch.

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any, Optional

from sentry_lite._guard import guarded

__all__ = ["when_imported"]

Patch = Callable[[ModuleType], None]

_lock = threading.Lock()


def _new_lock_in_child() -> None:
    # Another thread may have held it when the process forked: held for good in the child.
    global _lock  # noqa: PLW0603
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_in_child)
_waiting: dict[str, list[Patch]] = {}


def when_imported(name: str, patch: Patch) -> None:
    # Run ``patch(module)`` now if ``name`` is imported, else right after its import.
    with _lock:
        module = sys.modules.get(name)
        if module is None:
            _waiting.setdefault(name, []).append(patch)
            if _FINDER not in sys.meta_path:
                sys.meta_path.insert(0, _FINDER)
            return
    with guarded(f"patching {name}"):
        if _still_executing(module):
            # Another thread is importing it (the worker loading urllib3 at init):
            # its body has not run to the end, so wait for that import to finish.
            module = importlib.import_module(name)
        patch(module)


def _still_executing(module: ModuleType) -> bool:
    spec = getattr(module, "__spec__", None)
    return bool(getattr(spec, "_initializing", False))


class _PatchOnImport:
    # A meta path finder that finds nothing itself: it wraps the real loader of awaited modules.

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None
    ) -> Optional[ModuleSpec]:
        if fullname not in _waiting:
            return None
        spec = _real_spec(self, fullname, path, target)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _PatchingLoader(spec.loader, fullname)  # type: ignore[assignment]
        return spec


def _real_spec(
    me: object, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType]
) -> Optional[ModuleSpec]:
    for finder in list(sys.meta_path):
        find_spec = getattr(finder, "find_spec", None)
        if finder is me or find_spec is None:
            continue
        spec: Optional[ModuleSpec] = find_spec(fullname, path, target)
        if spec is not None:
            return spec
    return None


class _PatchingLoader:
    # Forwards to the real loader; after ``exec_module`` restores it and runs the patches.

    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: ModuleSpec) -> Optional[ModuleType]:
        module: Optional[ModuleType] = self._loader.create_module(spec)
        return module

    def exec_module(self, module: ModuleType) -> None:
        try:
            self._loader.exec_module(module)
        finally:
            module.__loader__ = self._loader
            if module.__spec__ is not None:
                module.__spec__.loader = self._loader
        with _lock:
            patches = _waiting.pop(self._name, [])
            if not _waiting and _FINDER in sys.meta_path:
                sys.meta_path.remove(_FINDER)
        for patch in patches:
            with guarded(f"patching {self._name}"):
                patch(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


_FINDER = _PatchOnImport()
