"""frames_from_traceback / frames_from_stack: order, location, in_app, source, locals."""

from __future__ import annotations

import gc
import json
import linecache
import os
import sys
import time
import types
import weakref
from typing import Any, Callable

import pytest

from sentry_lite.event import stacktrace
from sentry_lite.event.settings import EventSettings
from sentry_lite.event.stacktrace import frames_from_stack, frames_from_traceback
from sentry_lite.types import Frame

HERE = os.path.abspath(__file__)
TESTS_ROOT = os.path.dirname(os.path.dirname(HERE))
SETTINGS = EventSettings(project_root=TESTS_ROOT)


def traceback_of(function: Callable[[], object]) -> types.TracebackType:
    try:
        function()
    except Exception as error:
        tb = error.__traceback__
    else:
        raise AssertionError("did not raise")
    assert tb is not None
    return tb


def innermost() -> None:
    message = "hello"
    count = 3
    raise ValueError(message * count)


def middle() -> None:
    innermost()


def outer() -> None:
    middle()


def run_module_code(source: str, filename: str, module: str) -> types.TracebackType:
    """Run ``source`` as if it were the module ``module`` loaded from ``filename``."""
    code = compile(source, filename, "exec")
    namespace: dict[str, Any] = {"__name__": module}
    return traceback_of(lambda: exec(code, namespace))


# -- order and location -------------------------------------------------------------------


def test_frames_are_oldest_first() -> None:
    frames = frames_from_traceback(traceback_of(outer), SETTINGS)
    assert [frame["function"] for frame in frames][-3:] == ["outer", "middle", "innermost"]
    assert frames[0]["function"].endswith("traceback_of")


def test_frame_fields() -> None:
    frame = frames_from_traceback(traceback_of(outer), SETTINGS)[-1]
    assert frame["abs_path"] == HERE
    assert frame["module"] == __name__
    # A module in a package: the path from the directory above the top package.
    assert frame["filename"] == __name__.replace(".", os.sep) + ".py"
    assert frame["lineno"] == innermost.__code__.co_firstlineno + 3
    assert frame["in_app"] is True
    assert frame["function"] == "innermost"
    assert "raw_function" not in frame  # a module-level function's qualified name is its name


@pytest.mark.skipif(sys.version_info < (3, 11), reason="co_qualname is 3.11+")
def test_function_is_the_plain_name_and_raw_function_the_qualified_one() -> None:
    class Outer:
        def method(self) -> None:
            def inner() -> None:
                raise KeyError("x")

            inner()

    frames = frames_from_traceback(traceback_of(Outer().method), SETTINGS)
    # As sentry_sdk names them: Sentry groups by function, so issues stay the same.
    assert [frame["function"] for frame in frames[-2:]] == ["method", "inner"]
    prefix = "test_function_is_the_plain_name_and_raw_function_the_qualified_one.<locals>"
    assert [frame["raw_function"] for frame in frames[-2:]] == [
        f"{prefix}.Outer.method",
        f"{prefix}.Outer.method.<locals>.inner",
    ]


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="co_qualname is 3.11+")
def test_before_3_11_there_is_no_raw_function() -> None:
    class Outer:
        def method(self) -> None:
            raise KeyError("x")

    frame = frames_from_traceback(traceback_of(Outer().method), SETTINGS)[-1]
    assert frame["function"] == "method"
    assert "raw_function" not in frame


def test_stdlib_frames_outside_the_project_root_leave_in_app_out() -> None:
    frames = frames_from_traceback(traceback_of(lambda: json.loads("{")), SETTINGS)
    decoder = [frame for frame in frames if frame.get("module") == "json.decoder"]
    assert decoder
    # As sentry_sdk: no rule decides, so the field is left out (Sentry reads it as false).
    assert "in_app" not in decoder[-1]
    assert decoder[-1]["filename"] == os.path.join("json", "decoder.py")


def test_site_packages_frames_are_not_in_app_even_under_the_project_root() -> None:
    root = os.path.join(os.sep, "srv", "app")
    path = os.path.join(root, "venv", "lib", "site-packages", "pkg", "mod.py")
    tb = run_module_code("raise ValueError('x')", path, "pkg.mod")
    frame = frames_from_traceback(tb, EventSettings(project_root=root))[-1]
    assert frame["in_app"] is False
    assert frame["abs_path"] == path
    assert "context_line" not in frame  # no such file


def test_project_root_decides_for_other_files() -> None:
    tests_dir = os.path.dirname(HERE)
    inside = frames_from_traceback(traceback_of(outer), EventSettings(project_root=tests_dir))
    outside = frames_from_traceback(
        traceback_of(outer), EventSettings(project_root=os.path.join(os.sep, "elsewhere"))
    )
    assert inside[-1]["in_app"] is True
    assert "in_app" not in outside[-1]


def test_project_root_is_a_plain_prefix_as_in_sentry_sdk() -> None:
    path = os.path.join(os.sep, "srv", "application", "main.py")
    tb = run_module_code("raise ValueError('x')", path, "main")
    settings = EventSettings(project_root=os.path.join(os.sep, "srv", "app"))
    assert frames_from_traceback(tb, settings)[-1]["in_app"] is True


def test_in_app_include_and_exclude_are_module_prefixes_that_win() -> None:
    include = EventSettings(in_app_include=("json",))
    frames = frames_from_traceback(traceback_of(lambda: json.loads("{")), include)
    assert all(frame["in_app"] for frame in frames if frame.get("module", "").startswith("json."))
    exclude = EventSettings(in_app_exclude=(__name__,), project_root=os.path.dirname(HERE))
    assert frames_from_traceback(traceback_of(outer), exclude)[-1]["in_app"] is False
    # "json" must not match a module merely starting with the same letters.
    root = os.path.join(os.sep, "x")
    tb = run_module_code("raise ValueError", os.path.join(root, "jsonish.py"), "jsonish")
    frame = frames_from_traceback(tb, EventSettings(in_app_exclude=("json",), project_root=root))
    assert frame[-1]["in_app"] is True


def test_pseudo_files_keep_their_name_and_get_an_absolute_path_as_in_sentry_sdk() -> None:
    tb = run_module_code("raise ValueError", "<string>", "generated")
    frame = frames_from_traceback(tb, SETTINGS)[-1]
    assert frame["filename"] == "<string>"
    assert frame["abs_path"] == os.path.abspath("<string>")
    assert frame["module"] == "generated"


def test_hidden_frames_are_left_out() -> None:
    def hidden_helper() -> None:
        __traceback_hide__ = True  # read from the frame's locals
        innermost()

    frames = frames_from_traceback(traceback_of(hidden_helper), SETTINGS)
    assert "hidden_helper" not in [frame["function"] for frame in frames]
    assert frames[-1]["function"] == "innermost"
    # sentry_lite's own frames too (sentry_sdk leaves out its own).
    tb = run_module_code("raise ValueError", HERE, "sentry_lite.fake_wrapper")
    assert all(
        f.get("module") != "sentry_lite.fake_wrapper" for f in frames_from_traceback(tb, SETTINGS)
    )


# -- source context -----------------------------------------------------------------------


def test_context_lines() -> None:
    frame = frames_from_traceback(traceback_of(outer), SETTINGS)[-1]
    lines = linecache.getlines(HERE)
    lineno = frame["lineno"]
    assert frame["context_line"] == lines[lineno - 1].rstrip("\n")
    assert frame["context_line"].strip() == "raise ValueError(message * count)"
    assert frame["pre_context"] == [line.rstrip("\n") for line in lines[lineno - 6 : lineno - 1]]
    assert frame["post_context"] == [line.rstrip("\n") for line in lines[lineno : lineno + 5]]


def test_context_lines_can_be_turned_off() -> None:
    settings = EventSettings(include_source_context=False)
    frame = frames_from_traceback(traceback_of(outer), settings)[-1]
    assert not {"context_line", "pre_context", "post_context"} & set(frame)


def test_context_lines_are_cut_and_filtered(tmp_path: Any) -> None:
    path = tmp_path / "longline.py"
    path.write_text("token = 'sk_live_abc'\n" + "x = '" + "y" * 5000 + "'\nraise ValueError\n")

    def scrub(text: str) -> str:
        return text.replace("sk_live_abc", "[Filtered]")

    tb = run_module_code(path.read_text(), str(path), "longline")
    frame = frames_from_traceback(tb, EventSettings(string_filter=scrub))[-1]
    assert frame["context_line"] == "raise ValueError"
    assert frame["pre_context"][0] == "token = '[Filtered]'"
    assert 200 <= len(frame["pre_context"][1]) <= 300
    assert frame["pre_context"][1].endswith("...")
    assert frame["post_context"] == []


# -- locals -------------------------------------------------------------------------------


def test_locals_are_present_and_strings_are_repr() -> None:
    frame = frames_from_traceback(traceback_of(outer), SETTINGS)[-1]
    assert frame["vars"] == {"message": "'hello'", "count": 3}


def test_locals_can_be_turned_off() -> None:
    frame = frames_from_traceback(traceback_of(outer), EventSettings(include_local_variables=False))
    assert all("vars" not in item for item in frame)


def test_sensitive_local_names_are_filtered() -> None:
    def login() -> None:
        password = "hunter2"
        user = "bob"
        raise PermissionError(user + password)

    settings = EventSettings(key_filter=lambda name: name == "password")
    frame = frames_from_traceback(traceback_of(login), settings)[-1]
    assert frame["vars"] == {"password": "[Filtered]", "user": "'bob'"}


def test_locals_are_capped_per_frame() -> None:
    names = [f"v{i}" for i in range(80)]
    source = "def many():\n" + "".join(f"    {name} = {i}\n" for i, name in enumerate(names))
    source += "    raise ValueError\nmany()\n"
    frame = frames_from_traceback(run_module_code(source, "<many>", "many"), SETTINGS)[-1]
    assert len(frame["vars"]) == 51
    assert frame["vars"]["..."] == "<30 more>"


def test_locals_use_the_databag_limits() -> None:
    def nested() -> None:
        data = {"a": [[[[["deep"]]]]], "wide": list(range(100)), "text": "z" * 5000}
        raise ValueError(data)

    settings = EventSettings(databag_depth=3, databag_breadth=4, max_value_length=50)
    data = frames_from_traceback(traceback_of(nested), settings)[-1]["vars"]["data"]
    assert data["a"] == [["<list of 1 items>"]]
    assert data["wide"] == [0, 1, 2, 3, "<96 more>"]
    assert len(data["text"]) == 50


def test_module_level_frames_skip_dunder_globals() -> None:
    tb = run_module_code("answer = 42\nraise ValueError\n", "<mod>", "modlevel")
    frame = frames_from_traceback(tb, SETTINGS)[-1]
    assert frame["vars"] == {"answer": 42}


def test_reading_locals_does_not_change_the_frame() -> None:
    """On 3.13 ``f_locals`` is a write-through proxy; it must only be read."""
    captured: list[list[Frame]] = []

    def running() -> tuple[dict[str, Any], dict[str, Any], int]:
        value = 1
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        before = dict(sys._getframe().f_locals)
        captured.append(frames_from_stack(sys._getframe(), SETTINGS))
        after = dict(sys._getframe().f_locals)
        return before, after, value

    before, after, value = running()
    assert value == 1
    for snapshot in (before, after):
        del snapshot["before"], snapshot["after"]
    assert before == after
    assert captured[0][-1]["vars"]["value"] == 1


def test_objects_are_not_kept_alive() -> None:
    class Payload:
        pass

    class PayloadError(ValueError):
        pass

    def fail(payload: Payload) -> None:
        raise PayloadError("with payload")

    def make() -> tuple[BaseException, weakref.ref[Payload]]:
        payload = Payload()
        reference = weakref.ref(payload)
        try:
            fail(payload)
        except PayloadError as error:
            return error, reference
        raise AssertionError("unreachable")

    error, payload_ref = make()
    error_ref = weakref.ref(error)
    frames = frames_from_traceback(error.__traceback__, SETTINGS)
    assert frames[-1]["vars"]["payload"].startswith("<")
    del error
    gc.collect()
    assert error_ref() is None
    assert payload_ref() is None


def test_the_location_cache_is_bounded() -> None:
    for index in range(stacktrace._CACHE_SIZE + 10):
        path = os.path.join(os.sep, "gen", f"file{index}.py")
        frames_from_traceback(run_module_code("raise ValueError", path, f"gen{index}"), SETTINGS)
    assert len(stacktrace._locations) <= stacktrace._CACHE_SIZE


# -- long stacks --------------------------------------------------------------------------


def recurse(depth: int) -> None:
    if depth == 0:
        raise RecursionError("bottom")
    recurse(depth - 1)


def test_long_tracebacks_keep_the_oldest_and_newest_halves() -> None:
    tb = traceback_of(lambda: recurse(300))
    frames = frames_from_traceback(tb, EventSettings(max_stack_frames=10))
    assert len(frames) == 10
    functions = [frame["function"] for frame in frames]
    assert functions[0].endswith("traceback_of")
    assert functions[-1] == "recurse"
    assert frames[-1]["vars"] == {"depth": 0}
    assert frames[4]["vars"] == {"depth": 298}
    assert frames[5]["vars"] == {"depth": 4}


def test_a_deep_recursion_error_is_fast() -> None:
    tb = traceback_of(lambda: recurse(800))
    started = time.perf_counter()
    frames = frames_from_traceback(tb, SETTINGS)
    assert time.perf_counter() - started < 0.5
    assert len(frames) == 100
    json.dumps(frames, allow_nan=False)


def test_frames_from_stack_starts_at_the_given_frame() -> None:
    def here() -> list[Frame]:
        return frames_from_stack(sys._getframe(), SETTINGS)

    frames = here()
    assert frames[-1]["function"].endswith("here")
    assert frames[-2]["function"] == "test_frames_from_stack_starts_at_the_given_frame"
    assert frames[-1]["lineno"] == here.__code__.co_firstlineno + 1
    assert frames_from_stack(None, SETTINGS) == []
    assert frames_from_traceback(None, SETTINGS) == []


def test_frames_from_stack_keeps_the_oldest_and_newest_halves() -> None:
    captured: list[list[Frame]] = []

    def dive(depth: int) -> None:
        if depth == 0:
            captured.append(frames_from_stack(sys._getframe(), EventSettings(max_stack_frames=6)))
            return
        dive(depth - 1)

    dive(50)
    frames = captured[0]
    assert len(frames) == 6
    assert frames[-1]["vars"]["depth"] == 0
    assert frames[-3]["vars"]["depth"] == 2
    assert "dive" not in frames[0]["function"]


def test_frames_with_hostile_locals_are_strict_json() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    def hostile() -> None:
        broken = Broken()
        big = "b" * 10_000_000
        surrogate = "\udcff"
        nan = float("nan")
        raise ValueError(broken, big, surrogate, nan)

    frames = frames_from_traceback(traceback_of(hostile), SETTINGS)
    json.dumps(frames, allow_nan=False).encode("utf-8")
    assert frames[-1]["vars"]["broken"] == "<unrepresentable Broken object>"


def test_filename_of_a_top_level_module_is_its_base_name() -> None:
    # __main__ included: sentry_sdk writes the script's name, whatever its directory.
    tb = run_module_code(
        "raise ValueError", os.path.join(os.sep, "opt", "tool", "run.py"), "__main__"
    )
    assert frames_from_traceback(tb, SETTINGS)[-1]["filename"] == "run.py"
    tb = run_module_code("raise ValueError", os.path.join(os.sep, "opt", "x", "y.pyc"), "y")
    assert frames_from_traceback(tb, SETTINGS)[-1]["filename"] == "y.py"


def test_filename_without_an_imported_top_package_is_the_code_s_file_name() -> None:
    path = os.path.join(os.sep, "opt", "nowhere", "mod.py")
    tb = run_module_code("raise ValueError", path, "not_imported_package.mod")
    assert frames_from_traceback(tb, SETTINGS)[-1]["filename"] == path
