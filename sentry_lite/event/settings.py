# What event building needs to know from the client's options.

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from sentry_lite._frozen import Frozen

__all__ = ["EventSettings"]


class EventSettings(Frozen):
    # The part of the options that shapes exception and message events.
    #
    # Attributes:
    #     include_local_variables: add each frame's locals as ``vars``.
    #     include_source_context: add ``context_line`` with 5 lines either side.
    #     max_value_length: the longest string kept in locals and values.
    #     max_message_length: the longest message and logged text kept
    #         (``max_value_length`` when the program gave it, else Relay's 8192).
    #     in_app_include: module-name prefixes always shown as the app's own code.
    #     in_app_exclude: module-name prefixes never shown as the app's own code.
    #     project_root: frames from files under this directory are in-app.
    #     max_stack_frames: frames kept per stack (the oldest and newest halves).
    #     string_filter: applied to every string value before it is cut to
    #         ``max_value_length``; the privacy issue's value-pattern scrubber.
    #     source_filter: applied to a frame's source lines (pre_context,
    #         context_line, post_context, in order) as one block, before each
    #         is cut; returns as many lines. None: ``string_filter`` on each line.
    #     key_filter: returns True for a sensitive dict key or local variable
    #         name; its value is then replaced by ``"[Filtered]"``.
    #     local_filter: strict mode for locals: returns False for a local
    #         variable whose value must not be sent (it shows as
    #         ``"[Filtered]"``); None sends every local. The three fail
    #         closed: a value a filter fails on is ``"[Filtered]"``, the error
    #         reported.
    #     databag_depth: how deep containers in locals are walked.
    #     databag_breadth: how many items of each container are kept.
    #     custom_repr: the ``custom_repr`` option, for objects in locals.
    #     pure_filters: ``string_filter`` and ``source_filter`` give the same
    #         text for the same input and nothing else follows from calling
    #         them (the SDK's own scrubber's): a text they made may be reused
    #         by later events (source lines are) instead of being made again.

    include_local_variables: bool = True
    include_source_context: bool = True
    max_value_length: int = 1024
    max_message_length: int = 8192
    in_app_include: tuple[str, ...] = ()
    in_app_exclude: tuple[str, ...] = ()
    project_root: Optional[str] = None
    max_stack_frames: int = 100
    string_filter: Optional[Callable[[str], str]] = None
    source_filter: Optional[Callable[[list[str]], list[str]]] = None
    key_filter: Optional[Callable[[str], bool]] = None
    local_filter: Optional[Callable[[str], bool]] = None
    databag_depth: int = 5
    databag_breadth: int = 10
    custom_repr: Optional[Callable[[Any], Optional[str]]] = None
    pure_filters: bool = False

    @classmethod
    def from_options(cls, options: Any) -> EventSettings:
        # The settings named like the ``init()`` options of the same name.
        #
        # ``options`` is an ``Options`` (read by attribute; missing ones keep
        # their default). The filters are not options: pass them with
        # ``sentry_lite._frozen.replace``.
        values = {
            name: getattr(options, name)
            for name in (
                "include_local_variables",
                "include_source_context",
                "max_value_length",
                "max_message_length",
                "in_app_include",
                "in_app_exclude",
                "project_root",
                "max_stack_frames",
                "custom_repr",
            )
            if hasattr(options, name)
        }
        return cls(**values)
