"""Text safe to print on a terminal.

(A private module: `kilnguard.commands` registers every public module as a command group.)

Stored free text (descriptions, notes, names) comes from users, imports and the API; printed raw,
an ANSI escape in it could recolour the screen, move the cursor, retitle the window or hide the
lines before it. `safe_text` removes every escape sequence and control character (C0, DEL and
C1) except newline and tab, and lone carriage returns, so what is shown is what is stored.
JSON output needs none of this: `json.dumps` escapes control characters itself.
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                      # CSI: colours, cursor moves, erasing
    | \x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC/DCS/SOS/PM/APC strings
    | \x9b[0-?]*[ -/]*[@-~]                      # 8-bit CSI
    | [\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # 8-bit string starts
    | \x1b[ -/]*[0-~]?                           # any other escape (two-character forms)
    """,
    re.VERBOSE,
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_text(value: object) -> str:
    """`value` as text with escape sequences and control characters (C0 except newline and
    tab, DEL, C1) removed."""
    return _CONTROLS.sub("", _ESCAPES.sub("", str(value)))
