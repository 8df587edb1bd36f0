"""Comparing the events sentry_sdk and sentry_lite send for the same program.

:func:`comparable` flattens an event into the fields where the two SDKs
should agree (``path -> value``); :func:`compare` lines two such dicts up
and sorts every difference into explained (a :class:`ByDesign` rule names
the reason) or unexplained. test_differential.py fails on the unexplained
ones and reports the rest.

The fields Sentry's grouping reads (:data:`GROUPING`) are compared exactly:
no rule can explain a difference there. Every frame of every exception value
counts, the SDKs' own included (sentry_sdk leaves its own out of its events,
so one of ours is a difference); only the test runner's frames are left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

# Frames of the runner that substitutes the import: only sentry_lite's runs have them.
_RUNNER = "run_as_lite.py"

#: Paths of the fields Sentry's grouping reads: the exception's type and module,
#: the mechanism's tree (ids decide which values are hashed, in which order), and
#: per frame what the frame component hashes or the in-app and stack trace rules
#: match on.
GROUPING = re.compile(
    r"exception\[\d+\]\.(type|module"
    r"|mechanism\.(type|handled|exception_id|parent_id|is_exception_group)"
    r"|frames\[-\d+\]\.(function|module|filename|abs_path|context_line|in_app))"
)

_EXCEPTION_FIELDS = ("type", "value", "module")
_MECHANISM_FIELDS = (
    "type",
    "meta",
    "handled",
    "source",
    "exception_id",
    "parent_id",
    "is_exception_group",
)
_FRAME_FIELDS = (
    "function",
    "raw_function",
    "module",
    "filename",
    "abs_path",
    "lineno",
    "context_line",
    "pre_context",
    "post_context",
    "in_app",
)
_BREADCRUMB_FIELDS = ("type", "category", "level", "message", "data")
_SCALARS = ("level", "logger", "release", "environment", "platform", "fingerprint", "message")


@dataclass(frozen=True)
class ByDesign:
    """A deliberate difference: which fields (a regex on the path), when, and why.

    ``when(sdk_value, lite_value)`` must hold for the two values (either may
    be ``MISSING``), so a rule never hides a change it was not written for;
    ``programs`` limits the rule to some programs (all when empty).
    """

    path: str
    reason: str
    when: Callable[[Any, Any], bool]
    programs: tuple[str, ...] = ()

    def explains(self, program: str, path: str, sdk: Any, lite: Any) -> bool:
        """Whether this rule covers the difference at ``path``."""
        if self.programs and program not in self.programs:
            return False
        return re.fullmatch(self.path, path) is not None and bool(self.when(sdk, lite))


@dataclass
class Difference:
    """One field where the events differ (``MISSING`` on the side that lacks it)."""

    path: str
    sdk: Any
    lite: Any
    reason: Optional[str] = None

    def __str__(self) -> str:
        return f"{self.path}: sentry_sdk {_show(self.sdk)} / sentry_lite {_show(self.lite)}"


class _Missing:
    def __repr__(self) -> str:
        return "(absent)"


MISSING: Any = _Missing()


@dataclass
class Comparison:
    """The outcome for one program: how many fields were compared and how they differ."""

    program: str
    compared: int = 0
    grouping: int = 0
    by_design: list[Difference] = field(default_factory=list)
    unexplained: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: Every comparison made in this session, for the report at the end of the run.
REPORT: list[Comparison] = []


def report_lines(comparisons: list[Comparison], sdk_version: str) -> list[str]:
    """The differential report: what was compared, and each by-design difference with its reason."""
    if not comparisons:
        return []
    compared = sum(comparison.compared for comparison in comparisons)
    grouping = sum(comparison.grouping for comparison in comparisons)
    differing = sum(len(comparison.by_design) for comparison in comparisons)
    unexplained = sum(len(comparison.unexplained) for comparison in comparisons)
    lines = [
        f"Differential check against sentry_sdk {sdk_version}: {len(comparisons)} events,"
        f" {compared} fields compared, {compared - differing - unexplained} equal,"
        f" {differing} different by design, {unexplained} unexplained;"
        f" of them {grouping} read by Sentry's grouping, compared exactly"
    ]
    by_reason: dict[str, list[str]] = {}
    for comparison in comparisons:
        for difference in comparison.by_design:
            assert difference.reason is not None
            by_reason.setdefault(difference.reason, []).append(
                f"{comparison.program}: {difference}"
            )
    for reason, where in by_reason.items():
        lines.append(f"  by design ({len(where)}x): {reason}")
        lines.append(f"      e.g. {where[0]}")
    notes = sorted({f"{c.program}: {note}" for c in comparisons for note in c.notes})
    lines.extend(f"  not compared: {note}" for note in notes)
    for comparison in comparisons:
        lines.extend(f"  UNEXPLAINED {comparison.program}: {d}" for d in comparison.unexplained)
    return lines


def comparable(event: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The fields of ``event`` to compare (``path -> value``), and notes on what was left out."""
    flat: dict[str, Any] = {}
    notes: list[str] = []
    for name in _SCALARS:
        _put(flat, name, event.get(name))
    logentry = event.get("logentry") or {}
    for name in ("formatted", "message"):
        _put(flat, f"logentry.{name}", logentry.get(name))
    if "params" in logentry:  # [] and absent differ here: sentry_sdk always sends params
        flat["logentry.params"] = logentry["params"]
    if "breadcrumbs" in event:  # so do an empty list and none
        flat["breadcrumbs"] = sorted(event["breadcrumbs"] or {})
    meta = event.get("_meta") or {}
    for section in ("tags", "user", "extra"):
        for key, value in (event.get(section) or {}).items():
            _put(flat, f"{section}.{key}", value)
            # Why a value is hidden: the remark Sentry shows beside it.
            _put(flat, f"_meta.{section}.{key}", (meta.get(section) or {}).get(key))
    contexts = event.get("contexts") or {}
    flat["contexts"] = sorted(contexts)
    for key in ("name", "version"):
        _put(flat, f"contexts.runtime.{key}", (contexts.get("runtime") or {}).get(key))
    for name, context in contexts.items():
        if name not in ("runtime", "os", "trace") and isinstance(context, dict):
            _put(flat, f"contexts.{name}", context)
    crumbs = (event.get("breadcrumbs") or {}).get("values") or []
    for index, crumb in enumerate(crumbs):
        for name in _BREADCRUMB_FIELDS:
            _put(flat, f"breadcrumbs[{index}].{name}", crumb.get(name))
    values = (event.get("exception") or {}).get("values") or []
    for index, value in enumerate(values):
        where = f"exception[{index}]"
        for name in _EXCEPTION_FIELDS:
            _put(flat, f"{where}.{name}", value.get(name))
        for name in _MECHANISM_FIELDS:
            _put(flat, f"{where}.mechanism.{name}", (value.get("mechanism") or {}).get(name))
        frames = (value.get("stacktrace") or {}).get("frames") or []
        kept = [frame for frame in frames if not _runner_frame(frame)]
        if len(kept) < len(frames):
            notes.append(f"{where}: the runner's frames ({_RUNNER}) not compared")
        # Counted from the newest frame (-1, where it was raised): stacks that
        # start at different outer frames still line up where it matters.
        for number, frame in enumerate(kept):
            at = f"{where}.frames[{number - len(kept)}]"
            for name in _FRAME_FIELDS:
                _put(flat, f"{at}.{name}", frame.get(name))
            if "vars" in frame:
                flat[f"{at}.vars"] = sorted(frame["vars"])
    return flat, notes


def compare(
    program: str, sdk_event: dict[str, Any], lite_event: dict[str, Any], rules: list[ByDesign]
) -> Comparison:
    """Line up the two events field by field; sort the differences by the rules."""
    result = Comparison(program)
    sdk, sdk_notes = comparable(sdk_event)
    lite, lite_notes = comparable(lite_event)
    result.notes = [f"sentry_sdk {note}" for note in sdk_notes]
    result.notes += [f"sentry_lite {note}" for note in lite_notes]
    for path in sorted(set(sdk) | set(lite), key=_path_order):
        result.compared += 1
        left, right = sdk.get(path, MISSING), lite.get(path, MISSING)
        grouping = GROUPING.fullmatch(path) is not None
        result.grouping += grouping
        if left == right and type(left) is type(right):
            continue
        difference = Difference(path, left, right)
        if grouping:
            difference.reason = None
            result.unexplained.append(difference)
            continue
        for rule in rules:
            if rule.explains(program, path, left, right):
                difference.reason = rule.reason
                result.by_design.append(difference)
                break
        else:
            result.unexplained.append(difference)
    return result


def _put(flat: dict[str, Any], path: str, value: Any) -> None:
    # An absent field and a null one say the same thing.
    if value is not None and value != {} and value != []:
        flat[path] = value


def _runner_frame(frame: dict[str, Any]) -> bool:
    return str(frame.get("abs_path", "")).endswith(_RUNNER)


def _path_order(path: str) -> list[Any]:
    parts = re.split(r"\[(-?\d+)\]", path)
    return [(1, int(part), "") if part.lstrip("-").isdigit() else (0, 0, part) for part in parts]


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."
