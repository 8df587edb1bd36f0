"""Bugsink for the end-to-end tests: its own virtualenv, served by gunicorn on 127.0.0.1.

Bugsink (a self-hosted, Sentry-compatible Django application) is installed
from the package index into a virtualenv of its own, apart from the SDK's
test environment: its Django would change what the SDK detects. The
virtualenv is kept under :func:`bugsink_home` and reused while it holds the
version this module asks for. :class:`Bugsink` then serves it for one test
session: a fresh directory with a conf module and two sqlite databases,
gunicorn serving ``bugsink.wsgi`` on a free port of 127.0.0.1, and a helper
process (``bugsink_orm.py``) that reads the stored events through Bugsink's
Django ORM.

The conf makes an event visible the moment its request is answered (snappea's
``TASK_ALWAYS_EAGER``: digested inside the request), raises the quotas (the
default 1,000 events per 5 minutes would answer 429 ``60::key``), turns
phoning home off and checks every event against Sentry's event schema
(``VALIDATE_ON_DIGEST = "warn"``: what does not fit is logged, see
:meth:`Bugsink.schema_complaints`; "strict" would drop such events).

From the command line, for a developer::

    python tests/e2e/bugsink_server.py install   # into bugsink_home(), once
    python tests/e2e/bugsink_server.py serve     # until Ctrl-C, printing a DSN
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Optional

#: The Bugsink release line the tests are written against.
BUGSINK_REQUIREMENT = "bugsink>=2.6,<2.7"
BUGSINK_VERSION_PREFIX = "2.6."

#: Bugsink needs this Python or newer.
MINIMUM_PYTHON = (3, 11)

_ORM_HELPER = Path(__file__).with_name("bugsink_orm.py")
_INSTALLED_MARK = ".sentry-lite-installed"
_START_TIMEOUT = 30.0
_QUERY_TIMEOUT = 30.0
_RAISED_QUOTA = 1_000_000_000


class BugsinkError(RuntimeError):
    """Bugsink could not be installed, started or asked; the message says what it printed."""


@dataclass(frozen=True)
class BugsinkProject:
    """A Bugsink project: its id, its DSN key (32 hex digits) and the DSN for the SDK."""

    project_id: str
    key: str
    dsn: str


def bugsink_home() -> Path:
    """Where the virtualenv is kept: ``$SENTRY_LITE_BUGSINK_HOME``, else a per-user cache."""
    configured = os.environ.get("SENTRY_LITE_BUGSINK_HOME")
    if configured:
        return Path(configured)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "sentry-lite" / "bugsink-2.6"


def find_python() -> Optional[str]:
    """A Python that can run Bugsink: ``$SENTRY_LITE_BUGSINK_PYTHON``, this one, or one on PATH."""
    configured = os.environ.get("SENTRY_LITE_BUGSINK_PYTHON")
    if configured:
        return configured
    if sys.version_info >= MINIMUM_PYTHON:
        return sys.executable
    for minor in (13, 12, 11):
        found = shutil.which(f"python3.{minor}")
        if found:
            return found
    return None


def install(home: Optional[Path] = None, python: Optional[str] = None) -> Path:
    """Bugsink's virtualenv, made and pip-installed unless it is there already; its path.

    Safe to call from two processes at once (a lock file serializes them).
    """
    home = home or bugsink_home()
    python = python or find_python()
    if python is None:
        raise BugsinkError("Bugsink needs Python 3.11+, and none was found")
    home.mkdir(parents=True, exist_ok=True)
    venv = home / "venv"
    with _locked(home / ".lock"):
        if _installed_version(venv).startswith(BUGSINK_VERSION_PREFIX):
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        _run([python, "-m", "venv", str(venv)], "making Bugsink's virtualenv")
        _run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                BUGSINK_REQUIREMENT,
            ],
            f"pip install {BUGSINK_REQUIREMENT}",
            timeout=900,
        )
        version = _installed_version(venv, check=True)
        (venv / _INSTALLED_MARK).write_text(version + "\n")
        return venv


class Bugsink:
    """One running Bugsink: :meth:`start`, :meth:`create_project`, :meth:`events`, :meth:`stop`.

    Args:
        venv: Bugsink's virtualenv (from :func:`install`).
        run_dir: An empty directory for the conf module, databases and logs.
    """

    def __init__(self, venv: Path, run_dir: Path) -> None:
        self.venv = venv
        self.run_dir = run_dir
        self.port = 0
        self.version = ""
        self.log_path = run_dir / "gunicorn.log"
        self._server: Optional[subprocess.Popen[bytes]] = None
        self._orm: Optional[subprocess.Popen[str]] = None
        self._orm_lock = threading.Lock()
        self._projects = 0

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Bugsink:
        """Write the conf, migrate both databases, start gunicorn and the ORM helper."""
        self.version = _installed_version(self.venv, check=True)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # gunicorn serves this very socket (fd://): the port is free and known up front.
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            self.port = listener.getsockname()[1]
            self._write_conf()
            manage = str(self.venv / "bin" / "bugsink-manage")
            _run([manage, "migrate", "--verbosity=0"], "migrate", env=self._env())
            _run(
                [manage, "migrate", "--database=snappea", "--verbosity=0"],
                "migrate --database=snappea",
                env=self._env(),
            )
            self._start_gunicorn(listener)
        except BaseException:
            self.stop()
            raise
        finally:
            listener.close()
        self._wait_until_ready()
        self._orm = subprocess.Popen(
            [str(self.venv / "bin" / "python"), str(_ORM_HELPER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self._env(),
            cwd=self.run_dir,
        )
        return self

    def stop(self) -> None:
        """Stop gunicorn and the ORM helper (each within a few seconds, killed otherwise)."""
        orm, self._orm = self._orm, None
        if orm is not None:
            for stream in (orm.stdin, orm.stdout):
                if stream is not None:
                    stream.close()  # the helper ends at the end of its input
            _end(orm, signal.SIGTERM)
        server, self._server = self._server, None
        if server is not None:
            _end(server, signal.SIGTERM)

    def create_project(self, name: str) -> BugsinkProject:
        """A new project; its DSN points the SDK at this Bugsink."""
        self._projects += 1
        answer = self._ask({"command": "create-project", "name": f"{name}-{self._projects}"})
        project_id, key = answer["project_id"], answer["key"]
        return BugsinkProject(
            project_id=project_id, key=key, dsn=f"http://{key}@127.0.0.1:{self.port}/{project_id}"
        )

    def events(self, project: BugsinkProject) -> list[dict[str, Any]]:
        """What Bugsink stored for a project, in the order it arrived.

        Each has ``event_id``, ``issue`` (the issue's id: grouping),
        ``grouping_key``, ``title``, ``level``, ``logger``, ``release``,
        ``environment``, ``sdk_name``, ``tags`` (as Bugsink indexed them) and
        ``data`` (the stored event).
        """
        events: list[dict[str, Any]] = self._ask(
            {"command": "events", "project_id": project.project_id}
        )["events"]
        return events

    def log_size(self) -> int:
        """How many bytes gunicorn's log has now: a mark for :meth:`schema_complaints`."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def schema_complaints(self, since: int = 0) -> list[str]:
        """What Bugsink's event schema check logged about events received after ``since``.

        Bugsink validates each event against Sentry's event schema
        (``VALIDATE_ON_DIGEST = "warn"``), logs what does not fit and stores the
        event anyway, as Sentry would.
        """
        with self.log_path.open("rb") as log:
            log.seek(since)
            text = log.read().decode("utf-8", errors="replace")
        return [line for line in text.splitlines() if "event data validation failed" in line]

    def log_tail(self, lines: int = 40) -> str:
        """The end of gunicorn's log (Bugsink's own log lines included): for failure messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        orm = self._orm
        if orm is None or orm.stdin is None or orm.stdout is None:
            raise BugsinkError("Bugsink is not running")
        with self._orm_lock:
            orm.stdin.write(json.dumps(request) + "\n")
            orm.stdin.flush()
            line = _readline(orm.stdout, _QUERY_TIMEOUT)
        if not line:
            raise BugsinkError(f"the ORM helper ended (exit {orm.poll()}) on {request}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise BugsinkError(f"the ORM helper failed on {request}:\n{answer['error']}")
        return answer

    def _env(self) -> dict[str, str]:
        # Nothing of the SDK's test environment leaks into Bugsink's processes.
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "SENTRY_", "VIRTUAL_ENV", "DJANGO_"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="bugsink_e2e_conf",
            PYTHONPATH=str(self.run_dir),
            PYTHONDONTWRITEBYTECODE="1",
        )
        return env

    def _write_conf(self) -> None:
        quotas = {
            f"MAX_EVENTS_PER_{scope}{period}": _RAISED_QUOTA
            for scope in ("", "PROJECT_PER_")
            for period in ("5_MINUTES", "HOUR", "MONTH")
        }
        bugsink = {
            "BASE_URL": self.url,
            "SINGLE_USER": True,
            "SINGLE_TEAM": True,
            "USER_REGISTRATION": "CB_NOBODY",
            "PHONEHOME": False,
            "VALIDATE_ON_DIGEST": "warn",
            "INGEST_STORE_BASE_DIR": str(self.run_dir / "ingestion"),
            **quotas,
        }
        conf = f"""\
# Written by sentry_lite's tests/e2e/bugsink_server.py for one test session.
from bugsink.settings.default import *  # noqa: F403

SECRET_KEY = {secrets.token_hex(32)!r}
TIME_ZONE = "UTC"
DATABASES["default"]["NAME"] = {str(self.run_dir / "db.sqlite3")!r}  # noqa: F405
DATABASES["default"]["TEST"]["NAME"] = {str(self.run_dir / "test.sqlite3")!r}  # noqa: F405
DATABASES["snappea"]["NAME"] = {str(self.run_dir / "snappea.sqlite3")!r}  # noqa: F405
# Digest each event inside its request: stored once the SDK's flush returns.
SNAPPEA = {{"TASK_ALWAYS_EAGER": True}}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
BUGSINK = {bugsink!r}
"""
        (self.run_dir / "bugsink_e2e_conf.py").write_text(conf)

    def _start_gunicorn(self, listener: socket.socket) -> None:
        fd = listener.fileno()
        log = self.log_path.open("ab")
        try:
            self._server = subprocess.Popen(
                [
                    str(self.venv / "bin" / "gunicorn"),
                    f"--bind=fd://{fd}",
                    "--workers=1",
                    "--timeout=60",
                    "--no-control-socket",
                    "--access-logfile=-",
                    "--error-logfile=-",
                    "bugsink.wsgi",
                ],
                pass_fds=(fd,),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env(),
                cwd=self.run_dir,
            )
        finally:
            log.close()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        last_error: Optional[BaseException] = None
        while time.monotonic() < deadline:
            if self._server is None or self._server.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError as error:
                last_error = error
            time.sleep(0.1)
        self.stop()
        raise BugsinkError(
            f"gunicorn did not answer on {self.url} ({last_error!r}); its log:\n{self.log_tail()}"
        )


def _installed_version(venv: Path, check: bool = False) -> str:
    """The version ``bugsink-show-version`` prints, or "" (``check``: raise instead)."""
    show_version = venv / "bin" / "bugsink-show-version"
    if not check and not (venv / _INSTALLED_MARK).exists():
        return ""
    if not show_version.exists():
        if check:
            raise BugsinkError(f"no Bugsink in {venv}")
        return ""
    result = subprocess.run(
        [str(show_version)], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        if check:
            raise BugsinkError(f"bugsink-show-version failed:\n{result.stdout}{result.stderr}")
        return ""
    return result.stdout.strip()


def _run(
    command: list[str], what: str, env: Optional[dict[str, str]] = None, timeout: float = 120
) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise BugsinkError(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def _readline(stream: IO[str], timeout: float) -> str:
    """One line from a pipe, or "" after ``timeout`` seconds (the helper hung)."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


def _end(process: subprocess.Popen[Any], how: signal.Signals) -> None:
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    import fcntl

    with path.open("a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def main(argv: list[str]) -> int:
    """``install`` or ``serve`` (until Ctrl-C); see the module docstring."""
    if argv not in (["install"], ["serve"]):
        print(__doc__, file=sys.stderr)
        return 2
    started = time.monotonic()
    venv = install()
    print(f"Bugsink {_installed_version(venv)} in {venv} ({time.monotonic() - started:.1f} s)")
    if argv == ["serve"]:
        with tempfile.TemporaryDirectory(prefix="bugsink-") as run_dir:
            bugsink = Bugsink(venv, Path(run_dir)).start()
            try:
                project = bugsink.create_project("manual")
                print(f"Serving on {bugsink.url}; DSN: {project.dsn}\nCtrl-C stops it.")
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
            finally:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop stop()
                bugsink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
