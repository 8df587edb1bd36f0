"""The docs work when pasted: commands use the venv's Python, quotes of the demo
match its source, and every example program runs.

The site itself is built by ``tox -e docs`` (``mkdocs build --strict``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from subprocess_runner import run_example

import sentry_lite
from sentry_lite.local.receiver import Receiver

REPO = Path(__file__).resolve().parents[1]
PACKAGE_PARENT = Path(sentry_lite.__file__).resolve().parent.parent
PASTED_DOCS = ("docs/getting-started.md", "docs/tutorial.md", "examples/README.md")
VENV_PYTHONS = {".venv/bin/python", ".venv/bin/python3"}
EXAMPLES = sorted((REPO / "examples").glob("*.py"))

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
# A word naming a Python interpreter, followed by an argument: a command that runs it.
_RUNS_PYTHON = re.compile(r"(?:^|[\s;&|(=])((?:[\w.~/-]*/)?python[\d.]*)[ \t]+(\S+)")


def _commands(markdown: str) -> list[str]:
    """The text of every ``sh`` and ``python`` block and of every inline code span."""
    found = [body for lang, body in _FENCE.findall(markdown) if lang in ("sh", "python")]
    prose = _FENCE.sub("", markdown)
    found.extend(_INLINE.findall(prose))
    return found


def python_runs(markdown: str) -> list[tuple[str, str]]:
    """(interpreter, first argument) of each command in ``markdown`` that runs Python."""
    return [match for text in _commands(markdown) for match in _RUNS_PYTHON.findall(text)]


@pytest.mark.parametrize("doc", PASTED_DOCS)
def test_commands_run_the_venvs_python(doc: str) -> None:
    runs = python_runs((REPO / doc).read_text(encoding="utf-8"))
    assert runs, f"{doc} runs no Python: is the check still reading it?"
    wrong = [
        f"{python} {argument}"
        for python, argument in runs
        if python not in VENV_PYTHONS and (python, argument) != ("python3", "-m")
    ]
    # `python3 -m venv .venv` makes the venv: the one command before it exists.
    assert not wrong, f"{doc}: use .venv/bin/python, a bare python has no sentry_lite: {wrong}"


def test_the_check_sees_a_bare_python() -> None:
    text = "Run `SENTRY_DSN=x python app.py`.\n\n```sh\npython3 examples/demo_app.py\n```\n"
    assert python_runs(text) == [("python3", "examples/demo_app.py"), ("python", "app.py")]
    assert python_runs("plain `python` is the same; `.venv/bin/python -m x`") == [
        (".venv/bin/python", "-m")
    ]


def test_demo_quote_in_getting_started_matches_the_demo_source() -> None:
    guide = (REPO / "docs/getting-started.md").read_text(encoding="utf-8")
    demo = (PACKAGE_PARENT / "sentry_lite/local/demo.py").read_text(encoding="utf-8").splitlines()
    quoted = re.findall(
        r'File "sentry_lite/local/demo\.py", line (\d+), in (\w+)\n {4}(.+)\n', guide
    )
    assert len(quoted) >= 3
    for line, function, code in quoted:
        assert demo[int(line) - 1].strip() == code.strip(), f"line {line} ({function})"


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs_and_sends_events(example: Path, receiver: Receiver) -> None:
    path = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")]))
    # As examples/README.md says: from the repository root, the DSN as the argument.
    result = run_example(example, receiver.dsn, cwd=REPO, env={"PYTHONPATH": path})
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    # Each example flushes before it exits, and the receiver stores before it answers.
    assert receiver.events


def test_the_tutorials_program_sends_the_event_it_shows(receiver: Receiver, tmp_path: Path) -> None:
    tutorial = (REPO / "docs/tutorial.md").read_text(encoding="utf-8")
    [program] = [body for lang, body in _FENCE.findall(tutorial) if lang == "python"]
    (tmp_path / "app.py").write_text(program, encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")]))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env.update(SENTRY_DSN=receiver.dsn, PYTHONPATH=path)

    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)
    [exception] = event["exception"]["values"]
    shown = tutorial.split("```text")[2]  # the receiver's output, as the tutorial quotes it
    assert f"{exception['type']}: {exception['value']}" in shown
    assert f"release {event['release']}" in shown
    assert f"shop={event['tags']['shop']}" in shown
    crumb = event["breadcrumbs"]["values"][-1]
    assert f"{crumb['category']}  {crumb['message']}" in shown
    frames = exception["stacktrace"]["frames"]
    for frame in frames:
        assert f'File "app.py", line {frame["lineno"]}, in {frame["function"]}' in shown
    # Every line `receive` prints for it is quoted as printed, apart from what differs per
    # run and machine (ids, times, addresses, paths, versions).
    from sentry_lite.local.pretty import render_event

    varies = re.compile(
        r"^[A-Z]+  [0-9a-f]{8}  |\d\d:\d\d:\d\d|0x[0-9a-f]+|<module |runtime |trace [0-9a-f]{8}"
    )
    quoted = {line.rstrip() for line in shown.splitlines()}
    printed = [line for line in render_event(event).splitlines() if not varies.search(line)]
    assert [line for line in printed if line.rstrip() not in quoted] == []
    assert len(printed) >= 10


def test_the_cli_reference_lists_every_command_and_exit_status() -> None:
    from sentry_lite.local import check_dsn, send_event, spool_command
    from sentry_lite.local.cli import _parser

    reference = (REPO / "docs/cli.md").read_text(encoding="utf-8")
    [commands] = [a for a in _parser()._actions if a.dest == "command"]
    for name in commands.choices:
        assert f"## `sentry-lite {name}`" in reference, name
    for module in (check_dsn, send_event, spool_command):
        for code, meaning in module.EXIT_CODES.items():
            assert f"| {code} | {meaning} |" in reference, (module.__name__, code)


def test_every_public_name_is_in_the_generated_reference() -> None:
    import importlib

    pages = "".join(p.read_text(encoding="utf-8") for p in (REPO / "docs/reference").glob("*.md"))
    documented: set[int] = set()
    for target in re.findall(r"^::: ([\w.]+)", pages, re.MULTILINE):
        try:
            module = importlib.import_module(target)
        except ImportError:
            parent, _, attribute = target.rpartition(".")
            documented.add(id(getattr(importlib.import_module(parent), attribute)))
        else:  # a module's directive shows it and the names in its __all__
            documented.add(id(module))
            documented.update(id(getattr(module, name)) for name in module.__all__)
    missing = [
        name
        for name in sentry_lite.__all__
        if id(getattr(sentry_lite, name)) not in documented and f"`sentry_lite.{name}`" not in pages
    ]
    assert missing == [], "add them to a page in docs/reference/"
