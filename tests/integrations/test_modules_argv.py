"""The modules and argv integrations: what is installed, and how the program was started."""

from __future__ import annotations

import re
from importlib import metadata

import pytest
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.integrations.argv import ArgvIntegration
from sentry_lite.integrations.modules import (
    ModulesIntegration,
    _parse_entry,
    installed_distributions,
)


def one_event(receiver):
    sentry_lite.capture_message("hello")
    sentry_lite.flush(5)
    [event] = receiver.wait_for_events(1)
    return event


def normalized(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def test_events_carry_the_installed_distributions(sentry_init, receiver):
    sentry_init()
    modules = one_event(receiver)["modules"]
    assert modules["urllib3"] == metadata.version("urllib3")
    assert modules["typing-extensions"] == metadata.version("typing_extensions")


def test_the_names_and_versions_agree_with_importlib_metadata():
    expected = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name and distribution.version:
            expected.setdefault(normalized(name), distribution.version)
    assert installed_distributions() == expected


def test_the_scan_happens_once():
    assert installed_distributions() is installed_distributions()


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("urllib3-2.2.1.dist-info", ("urllib3", "2.2.1")),
        ("typing_extensions-4.12.2.dist-info", ("typing-extensions", "4.12.2")),
        ("Jinja2-3.1.4.dist-info", ("jinja2", "3.1.4")),
        ("six-1.16.0-py3.9.egg-info", ("six", "1.16.0")),
        ("zope.interface-6.0.dist-info", ("zope-interface", "6.0")),
        ("sentry_lite.egg-info", None),  # a source checkout: no version
        ("urllib3", None),
        ("README.txt", None),
    ],
)
def test_entries_are_parsed_by_name(entry, parsed):
    assert _parse_entry(entry) == parsed


def test_nothing_is_scanned_at_init(receiver):
    result = run_script(
        """
        import sentry_lite
        from sentry_lite.integrations import modules
        sentry_lite.init()
        print("scanned at init:", modules._cached is not None)
        sentry_lite.capture_message("first")
        print("scanned after the first event:", modules._cached is not None)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert "scanned at init: False" in result.stdout
    assert "scanned after the first event: True" in result.stdout
    [event] = receiver.wait_for_events(1)
    assert "urllib3" in event["modules"]


def test_argv_is_sent_under_extra_with_url_credentials_masked(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init()
        sentry_lite.capture_message("started")
        """,
        receiver.dsn,
        args=["--source", "https://admin:hunter2@db.example.com/prod", "--dry-run"],
    )
    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)
    assert event["extra"]["sys.argv"] == [
        "-c",
        "--source",
        "https://[Filtered]@db.example.com/prod",
        "--dry-run",
    ]


def test_both_can_be_disabled(sentry_init, receiver):
    sentry_init(disabled_integrations=[ModulesIntegration, ArgvIntegration])
    event = one_event(receiver)
    assert "modules" not in event
    assert "sys.argv" not in event.get("extra", {})
