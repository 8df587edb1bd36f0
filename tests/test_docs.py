"""The docs work when pasted: commands use the venv's Python, quotes of the demo
match its source, and every example program runs.

The site itself is built by ``tox -e docs`` (``mkdocs build --strict``).
"""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
import sys
import urllib.request
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


def _pythonpath() -> str:
    return os.pathsep.join(filter(None, [str(PACKAGE_PARENT), os.environ.get("PYTHONPATH")]))


def _start_serve(directory: Path) -> tuple[subprocess.Popen[str], str]:
    """``sentry-lite serve --port 0`` run in ``directory`` (its database file there), and
    the lines it printed up to the token."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["PYTHONPATH"] = _pythonpath()
    process = subprocess.Popen(
        [sys.executable, "-m", "sentry_lite.local.cli", "serve", "--port", "0"],
        cwd=directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("Token"):
            break
    return process, "".join(lines)


def _page(url: str) -> str:
    """The page at ``url``, its HTML entities decoded (the text a person reads, with tags)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as answer:
        return html.unescape(answer.read().decode())


# What differs per run and machine in serve's first lines: the port, the key, the token.
_SERVE_VARIES = (
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"//[0-9a-f]{32}@"), "//<key>@"),
    (re.compile(r"(issues in the pages: )\S+"), r"\1<token>"),
)


def _without_what_varies(text: str) -> list[str]:
    for pattern, replacement in _SERVE_VARIES:
        text = pattern.sub(replacement, text)
    return [line.rstrip() for line in text.strip().splitlines()]


def test_the_tutorials_program_shows_in_serves_pages_as_the_tutorial_says(tmp_path: Path) -> None:
    from sentry_lite.local.serve.command import DEFAULT_PORT

    tutorial = (REPO / "docs/tutorial.md").read_text(encoding="utf-8")
    blocks = _FENCE.findall(tutorial)
    [program] = [body for lang, body in blocks if lang == "python"]
    [banner_quoted] = [body for lang, body in blocks if body.startswith("sentry-lite serve:")]
    # The addresses quoted are the ones a plain `sentry-lite serve` uses.
    assert set(re.findall(r"127\.0\.0\.1:(\d+)", tutorial)) == {str(DEFAULT_PORT)}
    [dsn_quoted] = re.findall(r"SENTRY_DSN=(\S+)", banner_quoted)
    assert f"SENTRY_DSN={dsn_quoted} .venv/bin/python app.py" in tutorial
    (tmp_path / "app.py").write_text(program, encoding="utf-8")

    process, banner = _start_serve(tmp_path)
    try:
        # serve's first lines are quoted as printed, apart from its port, key and token.
        assert _without_what_varies(banner) == _without_what_varies(banner_quoted)
        dsn = re.findall(r"SENTRY_DSN=(\S+)", banner)[0]
        [url] = re.findall(r"open (http://\S+)/ in a browser", banner)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
        env.update(SENTRY_DSN=dsn, PYTHONPATH=_pythonpath())
        run = [sys.executable, "app.py"]
        result = subprocess.run(
            run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")  # "prints nothing"

        # The SDK waits at exit until serve has answered, and serve stores before it answers.
        issues = _page(url + "/")
        [title] = re.findall(r"The issue list has one issue,\s+`([^`]+)`", tutorial)
        assert title.startswith("ValueError: ")
        assert title in issues
        [release] = re.findall(r"of release\s+`([^`]+)`", tutorial)
        assert f"<td>{release}</td>" in issues
        [issue] = set(re.findall(r'href="(/issues/\d+)"', issues))
        [event] = set(re.findall(r'href="(/events/[0-9a-f]+)"', _page(url + issue)))
        page = _page(url + event)
        [(name, value)] = re.findall(r"you find `(\w+) = ([^`]+)`", tutorial)
        rows = re.findall(r"<tr><th>(\w+)</th><td><pre>([^<]*)</pre>", page)
        assert (name, value) in rows
        [crumb] = re.findall(r"the breadcrumb `([^`]+)`", tutorial)
        assert f"<td>{crumb}</td>" in page
        [(tag, tag_value)] = re.findall(r"the tag `(\w+)=(\w+)`", tutorial)
        assert (tag, tag_value) in rows  # the tags table's rows look like the locals'

        # "run app.py again and its count becomes 2": the same issue, now with two events.
        again = subprocess.run(run, cwd=tmp_path, env=env, timeout=60, check=False)
        assert again.returncode == 0
        assert set(re.findall(r'href="(/issues/\d+)"', _page(url + "/"))) == {issue}
        assert len(set(re.findall(r'href="(/events/[0-9a-f]+)"', _page(url + issue)))) == 2
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Stopped." in out


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
