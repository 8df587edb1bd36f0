# The text a reader can use, for the standard types whose ``repr()`` is not it.
#
# =====================  ==============================  ===============================
# type                   ``repr()``                      :func:`readable_text`
# =====================  ==============================  ===============================
# ``datetime`` (aware)   ``datetime.datetime(2025, ...`` ``2025-01-02T03:04:05+01:00``
# ``datetime`` (naive)   ``datetime.datetime(2025, ...`` ``2025-01-02T03:04:05`` (no zone)
# ``date``, ``time``     ``datetime.date(2025, 1, 2)``   ``2025-01-02``, ``03:04:05``
# ``Decimal``            ``Decimal('12.50')``            ``12.50`` (never a float)
# ``UUID``               ``UUID('550e8400-...')``        ``550e8400-...``
# ``PurePath``           ``PosixPath('/srv/app.py')``    ``/srv/app.py``
# ``Enum`` member        ``<Color.RED: 'red'>``          ``Color.RED``
# =====================  ==============================  ===============================
#
# The base classes' methods are called, never a subclass's override: the text
# is the same for a ``pendulum.DateTime`` as for a ``datetime``, and no user
# code runs except a ``tzinfo``'s ``utcoffset()``. The SDK imports none of
# these modules: a value of one of these types exists only if its module was
# imported, so it is looked up in ``sys.modules``. ``enum`` is always loaded
# (``re`` imports it).

from __future__ import annotations

import sys
from enum import Enum
from typing import Any, Optional

__all__ = ["readable_text"]


def readable_text(value: object) -> Optional[str]:
    # The reader's text of ``value`` (see the module docstring), None for other
    # types or when the text cannot be had (the caller falls back to ``repr()``).
    kind = type(value)
    try:
        # One check against all the bases first: most objects are none of these.
        count, bases = _bases_seen
        if count != len(sys.modules):
            bases = _readable_bases()
        if not issubclass(kind, bases):
            return None
        if issubclass(kind, Enum):
            return _enum_text(value, kind)
        modules = sys.modules
        datetime = modules.get("datetime")
        if datetime is not None:
            if issubclass(kind, datetime.datetime):
                text: str = datetime.datetime.isoformat(value)
                return text
            if issubclass(kind, datetime.date):
                text = datetime.date.isoformat(value)
                return text
            if issubclass(kind, datetime.time):
                text = datetime.time.isoformat(value)
                return text
        decimal = modules.get("decimal")
        if decimal is not None and issubclass(kind, decimal.Decimal):
            text = decimal.Decimal.__str__(value)
            return text
        uuid = modules.get("uuid")
        if uuid is not None and issubclass(kind, uuid.UUID):
            text = uuid.UUID.__str__(value)
            return text
        pathlib = modules.get("pathlib")
        if pathlib is not None and issubclass(kind, pathlib.PurePath):
            text = pathlib.PurePath.__str__(value)
            return text
    except Exception:  # noqa: BLE001 -- a tzinfo's utcoffset() or a broken subclass
        return None
    return None


# (len(sys.modules) when computed, the base classes of the loaded modules).
_bases_seen: tuple[int, tuple[type[Any], ...]] = (-1, ())


def _readable_bases() -> tuple[type[Any], ...]:
    # The base classes above, of the modules loaded. The caller recomputes them
    # when ``sys.modules`` grew; a module removed and loaded again may be missed
    # (its values are then only ``repr()``'d).
    global _bases_seen  # noqa: PLW0603 -- a cache replaced whole, so read atomically
    modules = sys.modules
    found: list[object] = [Enum]
    for module, names in _BASES:
        loaded = modules.get(module)
        found.extend(getattr(loaded, name, None) for name in names if loaded is not None)
    bases = tuple(base for base in found if isinstance(base, type))
    _bases_seen = (len(modules), bases)
    return bases


_BASES = (
    ("datetime", ("date", "time")),
    ("decimal", ("Decimal",)),
    ("uuid", ("UUID",)),
    ("pathlib", ("PurePath",)),
)


def _enum_text(member: Any, kind: type[Any]) -> Optional[str]:
    # Class and member name, whatever the Python version's str() says (3.11
    # changed it for IntEnum) and whatever the class overrides.
    name = member._name_
    if not isinstance(name, str):  # a combination of Flag members before 3.11
        return None
    return f"{kind.__name__}.{name}"
