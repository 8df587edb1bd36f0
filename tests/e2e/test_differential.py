"""The same programs, once with sentry_sdk and once with sentry_lite: do the events agree?

Each program in ``programs/`` is written for sentry_sdk. It runs as written
(``python PROGRAM.py``), then through ``run_as_lite.py``, which substitutes
``import sentry_lite as sentry_sdk`` and changes nothing else: it must run
unchanged (same exit code, same output). Both send to the recording receiver
(so every payload of both SDKs goes through Relay's normalizer), and the
events are compared field by field where the SDKs should agree (differential.py
lists the fields). A difference fails the test unless a rule in ``BY_DESIGN``
names it and says why; the run ends with a report of what was compared and
which differences are by design.

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
}


def _is(value: Any, kind: type) -> bool:
    return isinstance(value, kind)


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
        r"exception\[\d+\]\.frames\[-\d+\]\.filename",
        "a script's filename is its path from the project root (the working directory);"
        " sentry_sdk writes it from the script's own directory",
        when=lambda sdk, lite: _is(lite, str) and lite == f"tests/e2e/programs/{sdk}",
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
        r"exception\[\d+\]\.mechanism\.(exception_id|parent_id|source)",
        "every value of a chain carries exception_id, and a cause its parent_id and source"
        " (__cause__ or __context__), as the protocol documents for chained exceptions;"
        " sentry_sdk writes them only inside exception groups",
        when=lambda sdk, lite: sdk is MISSING and lite is not MISSING,
    ),
    ByDesign(
        r"exception\[\d+\]\.mechanism\.type",
        "a cause in a chain has mechanism type 'chained' (the protocol's name for a linked"
        " exception); sentry_sdk repeats the outer mechanism ('generic')",
        when=lambda sdk, lite: (sdk, lite) == ("generic", "chained"),
    ),
    ByDesign(
        r"exception\[\d+\]\.frames\[-\d+\]\.function",
        "on Python 3.11+ a function is named by its qualified name (Thread.run, not run), so"
        " methods of different classes are told apart; Sentry's grouping reads function"
        " names, so issues in methods will not merge with issues sentry_sdk created",
        when=lambda sdk, lite: _is(lite, str) and _is(sdk, str) and lite.endswith("." + sdk),
    ),
    ByDesign(
        r"exception\[\d+\]\.frames\[-\d+\]\.in_app",
        "a library frame says in_app false; sentry_sdk leaves the field out",
        when=lambda sdk, lite: sdk is MISSING and lite is False,
    ),
    ByDesign(
        r"exception\[0\]\.frames\[-4\]\.\w+",
        "a crashed thread is reported by threading.excepthook, whose traceback starts one frame"
        " earlier (threading's _bootstrap_inner, not in_app); sentry_sdk reports it from its"
        " run() wrapper",
        when=lambda sdk, lite: sdk is MISSING,
        programs=("thread_crash",),
    ),
    ByDesign(
        r"exception\[\d+\]\.value",
        "an exception group's value is str(group), as Python prints it, with the count of"
        " sub-exceptions; sentry_sdk sends the group's message alone",
        when=lambda sdk, lite: (
            _is(lite, str) and re.fullmatch(re.escape(str(sdk)) + r" \(\d+ sub-exceptions?\)", lite)
        ),
        programs=("exception_group",),
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
    assert _output(lite_run.stderr) == _output(sdk_run.stderr), describe_run(lite_run)
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
