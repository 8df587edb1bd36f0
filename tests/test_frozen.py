"""``sentry_lite._frozen``: the value classes' base, in place of frozen dataclasses."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from typing import ClassVar, Optional

import pytest

from sentry_lite._frozen import Frozen, FrozenError, replace


class Point(Frozen):
    _hidden_from_repr: ClassVar[frozenset[str]] = frozenset({"secret"})
    label: ClassVar[str] = "not a field"

    x: int
    y: int = 0
    secret: Optional[str] = None


class Point3(Point):
    z: int = 5


def test_fields_are_the_annotated_attributes_in_order() -> None:
    assert Point._field_names == ("x", "y", "secret")
    assert Point3._field_names == ("x", "y", "secret", "z")


def test_positional_keyword_and_default_arguments() -> None:
    assert (Point(1).x, Point(1).y) == (1, 0)
    assert Point(1, 2) == Point(x=1, y=2)
    assert Point3(1, z=9).z == 9


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        ((), {}, "missing argument 'x'"),
        ((1,), {"w": 2}, "unexpected keyword argument 'w'"),
        ((1,), {"x": 2}, "multiple values for argument 'x'"),
        ((1, 2, 3, 4), {}, "takes 3 arguments, 4 given"),
    ],
)
def test_wrong_arguments_are_a_type_error(args, kwargs, words) -> None:
    with pytest.raises(TypeError, match=words):
        Point(*args, **kwargs)


def test_frozen() -> None:
    point = Point(1)
    with pytest.raises(FrozenError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y  # type: ignore[misc]
    assert point.x == 1


def test_equality_hash_and_repr() -> None:
    assert Point(1, 2) == Point(1, 2)
    assert Point(1, 2) != Point(1, 3)
    assert Point3(1, 2) != Point(1, 2)  # another class is never equal
    assert hash(Point(1, 2)) == hash(Point(1, 2))
    assert repr(Point(1, 2, secret="hunter2")) == "Point(x=1, y=2)"


def test_replace_makes_a_changed_copy() -> None:
    point = Point3(1, 2)
    moved = replace(point, y=7)
    assert (moved, point) == (Point3(1, 7), Point3(1, 2))
    with pytest.raises(TypeError, match="unexpected keyword argument 'w'"):
        replace(point, w=1)


def test_copies_and_pickles() -> None:
    point = Point3(1, 2, "s", 4)
    assert copy.copy(point) == point
    assert copy.deepcopy(point) == point
    assert pickle.loads(pickle.dumps(point)) == point


def test_import_sentry_lite_loads_neither_dataclasses_nor_inspect() -> None:
    # The reason this module exists: ~0.7 MB of a process (inspect, ast, dis).
    # urllib3's own imports are not the SDK's (on 3.12+ importlib.metadata loads inspect).
    code = (
        "import sys, urllib3; preloaded = set(sys.modules); import sentry_lite; "
        "sentry_lite.init('http://' + 'a' * 32 + '@127.0.0.1:9/1', shutdown_timeout=0, "
        "auto_enabling_integrations=False); "
        "loaded = set(sys.modules) - preloaded; "
        "print(sorted({'dataclasses', 'inspect', 'ast', 'dis', 'numbers'} & loaded))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
