"""The readable text of events: layout, chains, messages, and odd payloads that must not raise."""

from __future__ import annotations

import copy
import datetime
import random
from typing import Any

import pytest

from sentry_lite.local.pretty import render_event, render_summary

# 2024-05-01 12:00:01 UTC
NOON = datetime.datetime(2024, 5, 1, 12, 0, 1, tzinfo=datetime.timezone.utc).timestamp()


def library_frame(filename: str, function: str, lineno: int) -> dict[str, Any]:
    return {
        "filename": filename,
        "abs_path": f"/usr/lib/python3.11/{filename}",
        "module": filename.removesuffix(".py"),
        "function": function,
        "lineno": lineno,
        "context_line": "    library_code()",
        "in_app": False,
        "vars": {"self": "<library object>"},
    }


def full_event() -> dict[str, Any]:
    """An event shaped like the SDK's: app frames between library frames, full scope data."""
    return {
        "event_id": "3f2a9c1d8e7b4a6f9c0d1e2f3a4b5c6d",
        "timestamp": NOON,
        "level": "error",
        "platform": "python",
        "release": "shop@2.1.0",
        "environment": "staging",
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "invalid literal for int() with base 10: 'twelve'",
                    "module": "builtins",
                    "mechanism": {"type": "generic", "handled": True},
                    "stacktrace": {
                        "frames": [
                            library_frame("runpy.py", "_run_module_as_main", 198),
                            library_frame("runpy.py", "_run_code", 88),
                            {
                                "filename": "shop/orders.py",
                                "abs_path": "/srv/shop/orders.py",
                                "module": "shop.orders",
                                "function": "order_total",
                                "lineno": 41,
                                "pre_context": ["def order_total(sku, raw):", "    price = P[sku]"],
                                "context_line": "    quantity = parse_quantity(raw)",
                                "post_context": ["    return price * quantity", ""],
                                "in_app": True,
                                "vars": {"sku": "'widget'", "raw": "'twelve'", "price": 250},
                            },
                            {
                                "filename": "shop/orders.py",
                                "abs_path": "/srv/shop/orders.py",
                                "module": "shop.orders",
                                "function": "parse_quantity",
                                "lineno": 12,
                                "context_line": "    return int(text)",
                                "in_app": True,
                                "vars": {
                                    "text": "'twelve'",
                                    "limits": {"min": 1, "max": 99, "units": ["'pcs'", "'kg'"]},
                                    "__builtins__": "<module 'builtins'>",
                                },
                            },
                            library_frame("decimal.py", "to_int", 300),
                        ]
                    },
                }
            ]
        },
        "tags": {"checkout.step": "payment", "region": "eu"},
        "user": {"id": "42", "username": "ada"},
        "breadcrumbs": {
            "values": [
                {
                    "timestamp": NOON - 2,
                    "category": "cart",
                    "message": "added 3 x gadget",
                    "level": "info",
                },
                {
                    "timestamp": "2024-05-01T12:00:00.500000Z",
                    "category": "http",
                    "level": "warning",
                    "data": {"url": "/pay", "status_code": 402},
                },
            ]
        },
        "extra": {"order_id": 1001},
        "contexts": {
            "runtime": {"name": "CPython", "version": "3.11.7"},
            "os": {"name": "Linux", "version": "6.1.0"},
            "trace": {"trace_id": "a" * 32, "span_id": "b" * 16},
            "order": {"id": 1001, "items": 3},
        },
    }


EXPECTED_FULL = """\
ERROR  3f2a9c1d  ValueError: invalid literal for int() with base 10: 'twelve'
  release shop@2.1.0  environment staging  2024-05-01 12:00:01 UTC

Traceback (most recent call last):
  ... 2 library frames
  File "shop/orders.py", line 41, in order_total
    quantity = parse_quantity(raw)
      sku = 'widget'
      raw = 'twelve'
      price = 250
  File "shop/orders.py", line 12, in parse_quantity
    return int(text)
      text = 'twelve'
      limits = {'min': 1, 'max': 99, 'units': ['pcs', 'kg']}
  ... 1 library frame
ValueError: invalid literal for int() with base 10: 'twelve'
  mechanism: generic (handled)

tags:        checkout.step=payment  region=eu
user:        id=42  username=ada
breadcrumbs: 11:59:59  info    cart  added 3 x gadget
             12:00:00  warning http  {'url': /pay, 'status_code': 402}
extra:       order_id = 1001
contexts:    runtime CPython 3.11.7; os Linux 6.1.0
             trace aaaaaaaa (Sentry links the events that share it)
             order: id=1001  items=3"""


def test_full_event_reads_like_a_traceback() -> None:
    assert render_event(full_event(), width=80) == EXPECTED_FULL


def test_source_context_around_the_line() -> None:
    text = render_event(full_event(), context=1)

    assert "    40 | price = P[sku]\n  > 41 | quantity = parse_quantity(raw)\n" in text
    assert "    42 | return price * quantity\n" in text


def chained_event(source: str | None) -> dict[str, Any]:
    cause_mechanism: dict[str, Any] = {"type": "generic", "handled": False}
    if source is not None:
        cause_mechanism.update(source=source, exception_id=1, parent_id=0)
    return {
        "level": "fatal",
        "exception": {
            "values": [
                {
                    "type": "KeyError",
                    "value": "'payment_api_url'",
                    "mechanism": cause_mechanism,
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "shop/config.py",
                                "function": "read_setting",
                                "lineno": 7,
                                "context_line": "        return config[key]",
                                "in_app": True,
                            }
                        ]
                    },
                },
                {
                    "type": "ConfigError",
                    "value": "setting 'payment_api_url' is not configured",
                    "module": "shop.config",
                    "mechanism": {"type": "excepthook", "handled": False, "exception_id": 0},
                    "stacktrace": {
                        "frames": [
                            {
                                "filename": "shop/config.py",
                                "function": "read_setting",
                                "lineno": 9,
                                "context_line": "        raise ConfigError(...) from missing",
                                "in_app": True,
                            }
                        ]
                    },
                },
            ]
        },
    }


@pytest.mark.parametrize(
    ("source", "joint"),
    [
        ("__cause__", "The above exception was the direct cause of the following exception:"),
        ("__context__", "During handling of the above exception, another exception occurred:"),
        (None, "The above exception led to the following exception:"),
    ],
)
def test_chained_exceptions_read_oldest_first(source: str | None, joint: str) -> None:
    text = render_event(chained_event(source))

    assert text.splitlines()[0].startswith("FATAL  --------  ConfigError: setting")
    cause = text.index("KeyError: 'payment_api_url'")
    link = text.index(joint)
    raised = text.index("shop.config.ConfigError: setting 'payment_api_url' is not configured")
    assert cause < link < raised
    assert text.count("Traceback (most recent call last):") == 2
    assert text.index("line 7, in read_setting") < cause
    assert link < text.index("line 9, in read_setting") < raised
    assert "  mechanism: excepthook (unhandled)" in text


def test_exception_without_stacktrace_is_one_line() -> None:
    text = render_event({"exception": {"values": [{"type": "OSError", "value": "disk full"}]}})

    assert "Traceback" not in text
    assert "\nOSError: disk full" in text


def test_multiline_exception_value_keeps_its_lines() -> None:
    event = {"exception": {"values": [{"type": "E", "value": "first\nsecond"}]}}

    assert "\nE: first\n  second" in render_event(event)


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"message": "disk almost full"}, "disk almost full"),
        (
            {"logentry": {"formatted": "user 42 logged in", "message": "user %s"}},
            "user 42 logged in",
        ),
        ({"message": {"message": "legacy form"}}, "legacy form"),
    ],
)
def test_message_events_show_the_message(fields: dict[str, Any], shown: str) -> None:
    event = {"event_id": "c5d2f5671234", "level": "warning", "logger": "shop", **fields}

    text = render_event(event)

    assert text.splitlines()[0] == f"WARNING  c5d2f567  {shown}"
    assert f"\nMessage: {shown}" in text
    assert "logger shop" in text
    assert "Traceback" not in text


def test_message_params_are_shown_when_not_formatted() -> None:
    text = render_event({"logentry": {"message": "user %s logged in", "params": ["42"]}})

    assert "Message: user %s logged in  (params: [42])" in text


def test_message_event_shows_the_thread_stack() -> None:
    event = {
        "message": "slow checkout",
        "threads": {
            "values": [
                {"id": 1, "name": "MainThread", "stacktrace": {"frames": [_app_frame("main")]}}
            ]
        },
    }

    text = render_event(event)

    assert "Stack of thread MainThread (most recent call last):" in text
    assert 'File "app.py", line 3, in main' in text


def _app_frame(function: str, in_app: object = True) -> dict[str, Any]:
    return {
        "filename": "app.py",
        "function": function,
        "lineno": 3,
        "context_line": f"    {function}()",
        "in_app": in_app,
    }


def test_every_frame_is_shown_when_none_is_in_app() -> None:
    frames = [_app_frame("outer", in_app=False), _app_frame("inner", in_app=None)]
    event = {"exception": {"values": [{"type": "E", "stacktrace": {"frames": frames}}]}}

    text = render_event(event)

    assert "in outer" in text
    assert "in inner" in text
    assert "library frame" not in text


def test_long_and_multiline_locals_stay_on_one_cut_line() -> None:
    frame = _app_frame("work")
    frame["vars"] = {"blob": "'" + "x" * 5000 + "'", "poem": "'roses\nare red'"}
    event = {"exception": {"values": [{"type": "E", "stacktrace": {"frames": [frame]}}]}}

    lines = render_event(event, width=60).splitlines()

    [blob] = [line for line in lines if "blob =" in line]
    assert len(blob) == 60
    assert blob.endswith("...")
    assert "      poem = 'roses\\nare red'" in lines


def test_many_locals_are_capped() -> None:
    frame = _app_frame("work")
    frame["vars"] = {f"v{index}": index for index in range(30)}
    event = {"exception": {"values": [{"type": "E", "stacktrace": {"frames": [frame]}}]}}

    text = render_event(event)

    assert "      v19 = 19" in text
    assert "v20 =" not in text
    assert "      ... 10 more locals" in text


def test_deeply_nested_and_wide_values_are_bounded() -> None:
    frame = _app_frame("work")
    nested: dict[str, Any] = {}
    inner = nested
    for _ in range(50):
        inner["down"] = {}
        inner = inner["down"]
    frame["vars"] = {"nested": nested, "wide": list(range(10_000))}
    event = {"exception": {"values": [{"type": "E", "stacktrace": {"frames": [frame]}}]}}

    text = render_event(event, width=100)

    assert "      nested = {'down': {'down': {'down': {...}}}}" in text
    [wide] = [line for line in text.splitlines() if "wide =" in line]
    assert wide.startswith("      wide = [0, 1, 2,")
    assert len(wide) <= 100


def test_control_characters_cannot_reach_the_terminal() -> None:
    event = {
        "message": "\x1b[2J\x1b[31mred\x07",
        "tags": {"t": "a\rb"},
        "breadcrumbs": [{"message": "line\nbreak", "category": "\x9bx"}],
    }

    text = render_event(event)

    assert not any(ord(char) < 0x20 and char != "\n" for char in text)
    assert "\x9b" not in text
    assert "\\x1b[2J\\x1b[31mred\\x07" in text
    assert "t=a\\rb" in text
    assert "line\\nbreak" in text


@pytest.mark.parametrize("width", [40, 60, 80, 100])
def test_no_line_is_wider_than_asked(width: int) -> None:
    event = full_event()
    event["exception"]["values"][0]["value"] = "a long message " * 30
    event["tags"] = {f"tag{index}": "value" * 3 for index in range(20)}
    event["exception"]["values"][0]["stacktrace"]["frames"][2]["filename"] = "deep/" * 40 + "x.py"

    lines = render_event(event, width=width).splitlines()

    assert all(len(line) <= width for line in lines), [line for line in lines if len(line) > width]
    if width >= 60:  # narrower, the file name is cut at the end like any long line
        assert any(
            line.startswith('  File "...') and line.endswith("in order_total") for line in lines
        )


def test_breadcrumbs_show_the_latest_twenty() -> None:
    crumbs = [{"message": f"step {index}", "timestamp": NOON} for index in range(25)]

    text = render_event({"breadcrumbs": crumbs})

    assert "breadcrumbs: (5 earlier breadcrumbs not shown)" in text
    assert "step 4\n" not in text
    assert "             12:00:01  info    step 5\n" in text
    assert text.endswith("step 24")


def test_tags_in_pair_form() -> None:
    assert "tags:        a=1  b=2" in render_event({"tags": [["a", "1"], ["b", 2], "junk"]})


@pytest.mark.parametrize(
    ("timestamp", "shown"),
    [
        (NOON, "2024-05-01 12:00:01 UTC"),
        ("2024-05-01T12:00:01.123456Z", "2024-05-01 12:00:01 UTC"),
        ("2024-05-01T14:00:01+02:00", "2024-05-01 12:00:01 UTC"),
        ("2024-05-01T12:00:01", "2024-05-01 12:00:01 UTC"),
        ("yesterday", "yesterday"),
        (1e300, "1e+300"),
        (float("nan"), "nan"),
        (None, ""),
    ],
)
def test_timestamps(timestamp: object, shown: str) -> None:
    second_line = render_event({"timestamp": timestamp, "release": "r"}).splitlines()[1]

    assert second_line == f"  release r  {shown}".rstrip()


class Unrepresentable:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _self_containing() -> dict[str, Any]:
    loop: dict[str, Any] = {"a": 1}
    loop["loop"] = loop
    return loop


ODD_EVENTS: list[object] = [
    None,
    "an event?",
    42,
    [],
    {},
    {"level": 5, "event_id": None, "timestamp": True, "release": ["x"]},
    {"exception": "boom"},
    {"exception": {"values": None}},
    {"exception": {"values": [None, 1, "x", {}]}},
    {"exception": [{"type": 7, "value": {"v": 1}, "mechanism": "generic"}]},
    {"exception": {"values": [{"stacktrace": "frames"}]}},
    {"exception": {"values": [{"stacktrace": {"frames": {"0": {}}}}]}},
    {
        "exception": {
            "values": [
                {
                    "stacktrace": {
                        "frames": [
                            None,
                            {"in_app": True, "lineno": "7", "vars": [1, 2]},
                            {"in_app": True, "lineno": True, "context_line": 3},
                            {"in_app": True, "pre_context": "abc", "context_line": "x"},
                            {"in_app": True, "vars": {1: Unrepresentable(), None: 10**5000}},
                            {"in_app": True, "vars": {"loop": _self_containing()}},
                        ]
                    }
                }
            ]
        }
    },
    {"message": None, "logentry": "text"},
    {"message": {"params": [1]}, "logentry": {"formatted": 3}},
    {"threads": {"values": [None, {"stacktrace": {"frames": [None]}}]}},
    {"threads": [{"stacktrace": None}]},
    {"tags": "a=b", "user": "ada", "extra": [1], "contexts": "linux"},
    {"tags": {None: Unrepresentable()}, "user": {"id": Unrepresentable()}},
    {"breadcrumbs": "crumbs"},
    {"breadcrumbs": {"values": [None, {}, {"timestamp": "garbage", "level": 3}]}},
    {"breadcrumbs": [{"timestamp": 1e20, "category": ["x"], "data": Unrepresentable()}]},
    {"contexts": {"runtime": "CPython", "os": None, 5: {}}},
    {"contexts": {"runtime": {"name": ["CPython"], "version": 3.11}}},
    {"timestamp": float("inf")},
    {"timestamp": "9999-99-99T99:99:99Z"},
    {"timestamp": -1e18},
]


@pytest.mark.parametrize("event", ODD_EVENTS, ids=range(len(ODD_EVENTS)))
def test_odd_events_never_raise(event: object) -> None:
    text = render_event(event)

    assert isinstance(text, str)
    assert text
    assert isinstance(render_summary([event]), str)


def test_odd_arguments_never_raise() -> None:
    assert render_event({}, width="wide", context=None) == "ERROR  --------  (no message)"  # type: ignore[arg-type]
    assert render_event({}, width=-5) == "ERROR  --------  (no message)"
    assert render_summary("events") == "0 events received."
    assert render_summary(None, width=None) == "0 events received."  # type: ignore[arg-type]


_GARBAGE: list[object] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    float("nan"),
    "",
    "text\n\x1b",
    [],
    {},
    [None, {}],
    {"values": None},
    {"frames": [{}]},
    Unrepresentable(),
]


def _paths(value: object, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths.extend(_paths(item, (*path, index)))
    return paths


def test_any_part_of_an_event_replaced_by_garbage_never_raises() -> None:
    """Each field, at every depth, swapped for each kind of garbage."""
    template = full_event()
    template.update(chained_event("__cause__"))
    template["message"] = "and a message"
    template["threads"] = {"values": [{"stacktrace": {"frames": [_app_frame("main")]}}]}
    paths = [path for path in _paths(template) if path]
    rng = random.Random(1234)
    for path in paths:
        for garbage in rng.sample(_GARBAGE, 4):
            event = copy.deepcopy(template)
            parent = event
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = garbage
            for context in (0, 2):
                text = render_event(event, width=60, context=context)
                assert all(len(line) <= 60 for line in text.splitlines())
            render_summary([event, garbage])


def test_summary_lists_each_event() -> None:
    events = [full_event(), chained_event("__cause__"), {"message": "hello", "level": "info"}, 7]

    text = render_summary(events, width=100)

    assert text.splitlines() == [
        "4 events received:",
        "  1. ERROR   handled   ValueError: invalid literal for int() with base 10: 'twelve'",
        "  2. FATAL   unhandled ConfigError: setting 'payment_api_url' is not configured",
        "  3. INFO              hello",
        "  4. (not an event: int)",
    ]


def test_summary_of_nothing() -> None:
    assert render_summary([]) == "0 events received."
    assert render_summary([{}]) == "1 event received:\n  1. ERROR             (no message)"
