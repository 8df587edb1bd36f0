# Private keys in source lines, found in the block of lines around a frame's line.
#
# A key written in a source file spans many lines: the armour line
# ``-----BEGIN RSA PRIVATE KEY-----``, lines of base64, the ``-----END``
# line. Scrubbed one line at a time, the base64 lines look like nothing, so
# the lines sent with a frame (``pre_context``, ``context_line``,
# ``post_context``) are read together here:
#
# - after a ``BEGIN ... PRIVATE KEY`` armour and before an ``END`` one, every
#   line that is base64 (in quotes or not, ``\n`` and a ``,`` or ``+`` after it
#   allowed: how a key is written in Python) is key material, and the run
#   stops at the first line that is not (code goes on after a key);
# - a base64 line of 40 characters or more, mixed case with digits, is key
#   material wherever it is: the window may show only the middle of a key.
#
# Only the base64 is masked; the indentation, quotes and armour lines stay, so
# the lines still line up with the code. The value patterns run on each line
# afterwards (``_patterns.py``).

from __future__ import annotations

import re
from typing import Optional

from sentry_lite._masking import FILTERED

__all__ = ["key_material", "masked_key_line"]

_ARMOUR = "-----"
_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----")
_END = re.compile(r"-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----")
# A line of base64 as Python source holds it: indented, maybe quoted (b"...", r'...'),
# maybe ending in "\n", a closing quote, a "," or "+" or ")".
_BODY_LINE = re.compile(
    r"[ \t]*(?:[rRbBuU]{0,2}[\"'])?(?P<body>[A-Za-z0-9+/]+={0,2})"
    r"(?:\\n)?[\"']?[ \t]*[,)+\\]?[ \t]*"
)
# PEM headers of an encrypted key (RFC 1421): inside the armour, not code.
_HEADER_LINE = re.compile(r"[ \t]*[\"']?(?:Proc-Type|DEK-Info|Comment):.*")
_LONG_BODY = 40


def masked_key_line(line: str) -> Optional[str]:
    # ``line`` with its base64 masked when it is a long line of key material, else None.
    if len(line) < _LONG_BODY:
        return None
    match = _BODY_LINE.fullmatch(line)
    if match is None:
        return None
    body = match.group("body")
    if (
        len(body) < _LONG_BODY
        or body.islower()
        or body.isupper()
        or not any(char.isdigit() for char in body)
    ):
        return None
    return line[: match.start("body")] + FILTERED + line[match.end("body") :]


def key_material(lines: list[str]) -> dict[int, str]:
    # The lines between private-key armour lines, masked, by index.
    #
    # Cheap when there is no armour: one ``in`` per line.
    if not any(_ARMOUR in line for line in lines):
        return {}
    masked: dict[int, str] = {}
    begins = [index for index, line in enumerate(lines) if _BEGIN.search(line)]
    ends = [index for index, line in enumerate(lines) if _END.search(line)]
    for begin in begins:
        _mask_run(lines, range(begin + 1, len(lines)), masked)
    if ends and (not begins or ends[0] < begins[0]):
        # The window starts inside the key: its BEGIN line is above it.
        _mask_run(lines, range(ends[0] - 1, -1, -1), masked)
    return masked


def _mask_run(lines: list[str], indexes: range, masked: dict[int, str]) -> None:
    # Mask the base64 lines at ``indexes``, in order, up to the first that is not.
    for index in indexes:
        line = lines[index]
        if not line.strip() or _HEADER_LINE.fullmatch(line):
            continue
        match = _BODY_LINE.fullmatch(line)
        if match is None or _is_a_word(match.group("body")):
            return
        masked[index] = line[: match.start("body")] + FILTERED + line[match.end("body") :]


def _is_a_word(body: str) -> bool:
    # "pass", "break", "None" after a line that tests for a key: code, not key material.
    return (body.isalpha() and body.islower()) or body in ("None", "True", "False")
