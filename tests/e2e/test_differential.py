"""The same programs, once with sentry_sdk and once with sentry_lite: do the events agree?

Each program in ``programs/`` is written for sentry_sdk. It runs as written
(``python PROGRAM.py``), then through ``run_as_lite.py``, which substitutes
``import sentry_lite as sentry_sdk`` and changes nothing else: it must run
unchanged (same exit code, same output). Both send to the recording receiver
(so every payload of both SDKs goes through Relay's normalizer), and the
events are compared field by field where the SDKs should agree (differential.py
lists the fields). A difference fails the test unless a rule in ``BY_DESIGN``
names it and says why; the run ends with a report of what was compared and
which differences are by design. A difference in a field Sentry's grouping
reads (differential.GROUPING: exception type, module, mechanism type, handled
and ids; each frame's function, module, filename, abs_path, context_line and
in_app) always fails: switching SDKs must not split or merge issues.
The grouping_* and exception_tree programs exist for that: each kind of code
Sentry names a frame after, and each shape of exception.

It needs no Bugsink (the recording receiver stands in for the server), so it is
not marked ``e2e``: it runs with the rest of the suite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from differential import MISSING, REPORT, ByDesign, compare
from e2e_helpers import describe_run, run_python

PROGRAMS = Path(__file__).with_name("programs")
RUNNER = Path(__file__).with_name("run_as_lite.py")

#: program -> (events it sends, the oldest Python it runs on)
CASES = {
    "handled_chain": (1, (3, 9)),
    "message_levels": (3, (3, 9)),
    "unhandled": (1, (3, 9)),
    "thread_crash": (1, (3, 9)),
    "logged_errors": (2, (3, 9)),
    "exception_group": (1, (3, 11)),
    "exception_tree": (1, (3, 11)),
    "grouping_shapes": (17, (3, 9)),
    "fidelity_details": (4, (3, 9)),
    "grouping_top_level": (1, (3, 9)),
    "grouping_async": (1, (3, 9)),
}


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind)


def _masked_lines(sdk: Any, lite: Any) -> bool:
    """The same source lines, except those where sentry_lite masked a secret."""
    return (
        _is(sdk, list)
        and _is(lite, list)
        and len(sdk) == len(lite)
        and all(ours == theirs or "[Filtered]" in ours for theirs, ours in zip(sdk, lite))
    )


BY_DESIGN = [
    ByDesign(
        r"contexts",
        "sentry_lite adds an os context (name, version, distribution), computed once per process",
        when=lambda sdk, lite: "os" in lite and sorted(set(lite) - {"os"}) == sdk,
    ),
    ByDesign(
        r"tags\..+",
        "tag values are sent as strings (Sentry's tags are strings); sentry_sdk sends the value"
        " as given (an int here)",
        when=lambda sdk, lite: not _is(sdk, str) and lite == str(sdk),
    ),
    ByDesign(
        r"exception\[\d+\]\.frames\[-\d+\]\.vars",
        "a module-level frame leaves out dunder globals (__builtins__, __loader__, ...), so the"
        " program's own globals fit in the 10 variables kept",
        when=lambda sdk, lite: (
            _is(sdk, list) and "__builtins__" in sdk and not any(k.startswith("__") for k in lite)
        ),
    ),
    ByDesign(
        r"exception\[\d+\]\.mechanism\.source",
        "a cause or context in a chain says where it hangs (__cause__ or __context__);"
        " sentry_sdk writes source only inside exception groups (grouping does not read it)",
        when=lambda sdk, lite: sdk is MISSING and lite in ("__cause__", "__context__"),
    ),
    ByDesign(
        r"exception\[\d+\]\.frames\[-\d+\]\.raw_function",
        "on Python 3.11+ a frame keeps the function's qualified name (Shop.pay.<locals>.inner)"
        " in raw_function, where it differs from the plain name; Sentry's grouping for Python"
        " reads function first, which is the plain name as sentry_sdk sends it",
        when=lambda sdk, lite: sdk is MISSING and _is(lite, str) and "." in lite,
    ),
    ByDesign(
        r"exception\[\d+\]\.frames\[-\d+\]\.(pre|post)_context",
        "source lines around a frame go through the scrubber (a password written in the code"
        " is masked); sentry_sdk sends them as written",
        when=_masked_lines,
    ),
    ByDesign(
        r"exception\[\d+\]\.value",
        "an exception group's value is str(group), as Python prints it, with the count of"
        " sub-exceptions; sentry_sdk sends the group's message alone",
        when=lambda sdk, lite: (
            _is(lite, str) and re.fullmatch(re.escape(str(sdk)) + r" \(\d+ sub-exceptions?\)", lite)
        ),
        programs=("exception_group", "exception_tree"),
    ),
]


def _output(text: str) -> list[str]:
    """What a program printed, less the traceback lines of the SDKs' and the runner's frames."""
    own = ("/sentry_sdk/", "/sentry_lite/", RUNNER.name)
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        if line.startswith('  File "'):
            skipping = any(marker in line for marker in own)
        elif not line.startswith("    "):
            skipping = False
        if not skipping:
            kept.append(line)
    return kept


# What sentry_sdk's atexit callback prints when events are still queued as the program
# ends (whether any are depends on how fast the receiver answers): sentry_sdk's, not the
# program's; sentry_lite prints nothing then.
_SENTRY_SDK_EXIT_NOTICE = re.compile(
    r"Sentry is attempting to send \d+ pending events\n"
    r"Waiting up to [\d.]+ seconds\n"
    r"Press Ctrl-(C|Break) to quit\n"
)


def _run_both(program: str, receiver: Any, expected: int) -> tuple[list[dict], list[dict]]:
    path = f"tests/e2e/programs/{program}.py"
    events = {}
    runs = {}
    for sdk, args in (("sentry_sdk", [path]), ("sentry_lite", [str(RUNNER), path])):
        receiver.clear()
        runs[sdk] = run_python(args, receiver.dsn)
        events[sdk] = receiver.wait_for_events(expected, timeout=10)
        assert len(events[sdk]) == expected, f"{sdk}: {describe_run(runs[sdk])}"
    sdk_run, lite_run = runs["sentry_sdk"], runs["sentry_lite"]
    # Unchanged: the program behaves the same with either SDK.
    assert lite_run.returncode == sdk_run.returncode, describe_run(lite_run)
    assert lite_run.stdout == sdk_run.stdout
    sdk_stderr = _SENTRY_SDK_EXIT_NOTICE.sub("", sdk_run.stderr)
    assert _output(lite_run.stderr) == _output(sdk_stderr), describe_run(lite_run)
    return events["sentry_sdk"], events["sentry_lite"]


@pytest.mark.parametrize("program", sorted(CASES))
def test_sentry_lite_sends_what_sentry_sdk_sends(program, receiver):
    expected, oldest_python = CASES[program]
    if sys.version_info < oldest_python:
        pytest.skip(f"the program needs Python {'.'.join(map(str, oldest_python))}+")
    sdk_events, lite_events = _run_both(program, receiver, expected)
    # The events arrive in the order the program sent them.
    sdk_events.sort(key=lambda event: str(event.get("timestamp")))
    unexplained = []
    for number, (sdk_event, lite_event) in enumerate(zip(sdk_events, lite_events)):
        name = program if expected == 1 else f"{program}[{number}]"
        comparison = compare(program, sdk_event, lite_event, BY_DESIGN)
        comparison.program = name
        REPORT.append(comparison)
        unexplained += [f"{name}: {difference}" for difference in comparison.unexplained]
    assert not unexplained, "differences no rule explains:\n" + "\n".join(unexplained)


def test_the_runner_refuses_an_import_it_cannot_substitute_in_place():
    from run_as_lite import substitute

    source = "import sentry_sdk\nfrom sentry_sdk.integrations.logging import ignore_logger\nx = 1\n"
    assert substitute(source) == (
        "import sentry_lite as sentry_sdk\n"
        "from sentry_lite.integrations.logging import ignore_logger\n"
        "x = 1\n"
    )
    with pytest.raises(ValueError, match="line 1"):
        substitute("import sentry_sdk, os\n")


def test_a_keyboard_interrupt_is_reported_by_sentry_sdk_only_as_the_docs_say(receiver):
    path = "tests/e2e/programs/keyboard_interrupt.py"
    sdk_run = run_python([path], receiver.dsn)
    [event] = receiver.wait_for_events(1, timeout=10)
    [value] = event["exception"]["values"]
    assert (value["type"], value["mechanism"]["type"]) == ("KeyboardInterrupt", "excepthook")

    receiver.clear()
    lite_run = run_python([str(RUNNER), path], receiver.dsn)
    assert "KeyboardInterrupt" in lite_run.stderr, describe_run(lite_run)
    assert sdk_run.returncode != 0
    assert lite_run.returncode != 0
    # The program has exited: what sentry_lite would send left before its excepthook returned.
    assert receiver.events == []

    compatibility = (Path(__file__).parents[2] / "docs" / "compatibility.md").read_text()
    rows = [line for line in compatibility.splitlines() if line.startswith("| `KeyboardInterrupt`")]
    assert rows, "docs/compatibility.md lists no KeyboardInterrupt difference"
