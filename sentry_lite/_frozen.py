# Frozen value classes without the ``dataclasses`` module: :class:`Frozen` and :func:`replace`.
#
# ``import dataclasses`` brings ``inspect``, ``ast`` and ``dis`` into the
# process, and the classes it makes carry generated code: 1.2 MB of RSS at
# import in the footprint benchmark, as much as the rest of what importing
# sentry_lite costs. The SDK's value types (the options, the DSN, the walk's
# limits, the event settings, the retry policy) need little of it: building
# from positional or keyword arguments with defaults, immutability, equality,
# a hash, a repr and :func:`replace`. A subclass declares its fields as
# annotated class attributes, the default (if any) as the attribute's value,
# as for a frozen dataclass; type checkers read them the same way
# (``dataclass_transform``). Names in ``_hidden_from_repr`` are left out of
# the repr (a secret).

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

__all__ = ["Frozen", "FrozenError", "replace"]

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Any:
        return lambda cls: cls


_Self = TypeVar("_Self", bound="Frozen")


class FrozenError(AttributeError):
    # An attribute of a frozen value was assigned or deleted (as ``FrozenInstanceError``).
    pass


@dataclass_transform(frozen_default=True, eq_default=True)
class Frozen:
    # Base of an immutable value class whose fields are its annotated class attributes.

    __slots__ = ()

    _field_names: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _hidden_from_repr: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: list[str] = []
        defaults: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            for name, annotation in _own_annotations(klass).items():
                if name.startswith("_") or str(annotation).startswith(
                    ("ClassVar", "typing.ClassVar")
                ):
                    continue
                if name not in names:
                    names.append(name)
                if name in klass.__dict__:
                    defaults[name] = klass.__dict__[name]
                else:
                    defaults.pop(name, None)
        cls._field_names = tuple(names)
        cls._defaults = defaults

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        names = self._field_names
        name_of_class = type(self).__name__
        if len(args) > len(names):
            raise TypeError(f"{name_of_class}() takes {len(names)} arguments, {len(args)} given")
        values = dict(zip(names, args))
        for name, value in kwargs.items():
            if name not in names:
                raise TypeError(f"{name_of_class}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{name_of_class}() got multiple values for argument {name!r}")
            values[name] = value
        defaults = self._defaults
        for name in names:
            if name in values:
                object.__setattr__(self, name, values[name])
            elif name in defaults:
                object.__setattr__(self, name, defaults[name])
            else:
                raise TypeError(f"{name_of_class}() missing argument {name!r}")

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenError(f"cannot assign to field {name!r} of a {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r} of a {type(self).__name__}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._field_names)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Frozen)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self._field_names
            if name not in self._hidden_from_repr
        )
        return f"{type(self).__name__}({shown})"


def _own_annotations(klass: type) -> dict[str, Any]:
    # The annotations ``klass`` itself declares (strings, under the ``__future__`` import).
    own = klass.__dict__.get("__annotations__")  # noqa: RUF063 -- where 3.9-3.13 keep them
    if own is None and "__annotate__" in klass.__dict__:  # 3.14: made on first access
        own = klass.__annotations__
    return dict(own or {})


def replace(value: _Self, **changes: Any) -> _Self:
    # A copy of ``value`` with ``changes`` (as ``dataclasses.replace``).
    fields = {name: getattr(value, name) for name in value._field_names}
    fields.update(changes)
    return type(value)(**fields)
