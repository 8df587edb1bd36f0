"""Answers questions about Bugsink's database through its Django ORM, one JSON line each.

Run with the Python of Bugsink's own virtualenv (never the SDK's), with
``DJANGO_SETTINGS_MODULE`` and ``PYTHONPATH`` naming the conf module. It reads
one JSON request per line on stdin and writes one JSON line per request:

    {"command": "create-project", "name": "..."} -> {"project_id": "3", "key": "<32 hex>"}
    {"command": "events", "project_id": "3"}     -> {"events": [{"event_id", "issue", ...}]}

An error answers ``{"error": "..."}``. ``tests/e2e/bugsink_server.py`` runs it
once per test session, so Django starts once; it is not a test module.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any


def create_project(request: dict[str, Any]) -> dict[str, Any]:
    """A new project and its DSN parts; Bugsink makes the key a UUID (32 hex digits)."""
    from projects.models import Project
    from teams.models import Team

    team, _ = Team.objects.get_or_create(name="sentry-lite")
    project = Project.objects.create(name=request["name"], team=team)
    return {"project_id": str(project.id), "key": project.sentry_key.hex}


def events(request: dict[str, Any]) -> dict[str, Any]:
    """A project's stored events in the order they were digested, with issue, grouping, tags."""
    from events.models import Event

    stored = (
        Event.objects.filter(project_id=int(request["project_id"]))
        .select_related("grouping")
        .order_by("digested_at", "ingested_at")
    )
    return {
        "events": [
            {
                "event_id": event.event_id.hex,
                "issue": str(event.issue_id),
                "grouping_key": event.grouping.grouping_key,
                "title": event.title(),
                "level": event.level,
                "logger": event.logger,
                "release": event.release,
                "environment": event.environment,
                "sdk_name": event.sdk_name,
                "tags": {tag.value.key.key: tag.value.value for tag in event.get_tags},
                "data": event.get_parsed_data(),
            }
            for event in stored
        ]
    }


COMMANDS = {"create-project": create_project, "events": events}


def main() -> int:
    import django

    django.setup()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            answer = COMMANDS[request["command"]](request)
        except Exception:  # the caller shows it with the request
            answer = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
