"""What makes a user name and a password acceptable (issue 15 point 6), as pure functions.

Passwords follow NIST SP 800-63B section 5.1.1.2: long rather than complex — at least
`MIN_PASSWORD_CHARS` characters (a passphrase of a few words is the easy way there), no
composition rules — and refused when they are among the most common passwords of breach
corpora (the list shipped in `data/common-passwords.txt`, also with digits and punctuation
trimmed from either end, so `Password2024!` counts as `password`), repeat or run through
too few characters, or are only the user name with digits or punctuation (`Operator-2024!`).

User names are NFKC-normalised and trimmed (full-width `ａｄｍｉｎ` and `admin ` are `admin`),
hold letters, digits and `. _ - @` only, and may not mix scripts that are confused with each
other (a Cyrillic `а` in a Latin name); `username_skeleton` maps look-alikes to one form, so a
name that only looks like an existing one is refused too (after UTS #39's skeletons, with the
look-alikes that matter for Latin, Cyrillic and Greek).

Wrong passwords lock out their user name and, at a higher count, their caller's address, for a
while (`LoginLimits`, `locked_until`).
"""

from __future__ import annotations

import datetime as dt
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from kilnguard.domain.errors import ValidationError

MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 256
"""Bounds the hashing work of one attempt; far above any passphrase."""
MIN_DISTINCT_CHARS = 5
MAX_USERNAME_CHARS = 100
USERNAME_PUNCTUATION = frozenset("._-@")
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"

#: Scripts that may share one user name: Korean names mix Hangul, Hanja and Latin letters.
#: Any other mix (Latin with Cyrillic or Greek above all) is refused.
COMPATIBLE_SCRIPTS = frozenset({"LATIN", "HANGUL", "CJK"})

# Look-alikes of Latin letters and digits (UTS #39 confusables, the subset that matters for
# Latin, Cyrillic and Greek user names), applied after case folding.
_CONFUSABLE = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "i", "ї": "i", "ј": "j",
        "к": "k", "ӏ": "l", "м": "m", "н": "h", "о": "o", "р": "p", "ԛ": "q", "г": "r",
        "ѕ": "s", "т": "t", "ц": "u", "ѵ": "v", "ԝ": "w", "х": "x", "у": "y", "ԁ": "d",
        "ɡ": "g", "ь": "b", "п": "n",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ζ": "z", "ω": "w",
        # digits and Latin letters read as one another
        "0": "o", "1": "l", "i": "l", "|": "l", "5": "s",
    }
)  # fmt: skip


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lowercased."""
    text = COMMON_PASSWORDS.read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def normalise_username(raw: str) -> str:
    """The user name as stored and looked up: NFKC, surrounding white space removed."""
    return unicodedata.normalize("NFKC", raw).strip()


def _script(ch: str) -> str | None:
    """The script of a letter by its Unicode name's first word (None for digits and `._-@`)."""
    if not ch.isalpha():
        return None
    return unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0]


def check_username(raw: str) -> str:
    """The normalised user name, or a ValidationError saying what to change."""
    name = normalise_username(raw)
    if not name:
        raise ValidationError("username", raw, "must not be empty")
    if len(name) > MAX_USERNAME_CHARS:
        raise ValidationError("username", raw, f"must have at most {MAX_USERNAME_CHARS} characters")
    odd = [c for c in name if not (c.isalnum() or c in USERNAME_PUNCTUATION)]
    if odd:
        raise ValidationError(
            "username",
            raw,
            f"may hold letters, digits and . _ - @ only, not {odd[0]!r}",
        )
    scripts = {s for s in map(_script, name) if s is not None}
    if len(scripts) > 1 and not scripts <= COMPATIBLE_SCRIPTS:
        raise ValidationError(
            "username",
            raw,
            f"mixes the scripts {', '.join(sorted(scripts))}, whose letters look alike: "
            "write it in one script",
        )
    return name


def username_skeleton(name: str) -> str:
    """One form for user names that look alike (`Admin`, `аdmin` with a Cyrillic `а`, `adm1n`
    and `admin` share one): two logins with the same skeleton could be taken for each other."""
    folded = unicodedata.normalize("NFKD", normalise_username(name).casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return plain.translate(_CONFUSABLE).replace("rn", "m").replace("_", "-").replace(".", "-")


def _core(password: str) -> str:
    """The password without digits, punctuation and spaces at either end, lowercased."""
    return password.strip(string.digits + string.punctuation + string.whitespace).casefold()


def _runs_through(password: str) -> bool:
    """`abcdefghijkl`, `987654321098`: every step of one code point in one direction."""
    steps = {ord(b) - ord(a) for a, b in pairwise(password)}
    return steps in ({1}, {-1})


def _period(password: str) -> str:
    """The shortest unit the password repeats (`passwordpassword` → `password`)."""
    at = (password + password).find(password, 1)
    return password[:at]


def check_password(password: str, *, username: str) -> None:
    """Refuse a password a guesser would try early (NIST SP 800-63B 5.1.1.2); the value is
    never echoed back."""
    hidden = "***"
    if len(password) < MIN_PASSWORD_CHARS:
        raise ValidationError(
            "password",
            hidden,
            f"must have at least {MIN_PASSWORD_CHARS} characters: a passphrase of three or "
            "four words is long enough and easy to remember",
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValidationError(
            "password", hidden, f"must have at most {MAX_PASSWORD_CHARS} characters"
        )
    unit = _period(password.casefold())
    if len(set(unit)) < MIN_DISTINCT_CHARS or _runs_through(password):
        raise ValidationError(
            "password", hidden, "repeats or runs through too few characters: choose another"
        )
    name = normalise_username(username).casefold()
    if name and not _core(password.casefold().replace(name, "")):
        raise ValidationError(
            "password", hidden, "is the user name with digits or punctuation: choose another"
        )
    common = common_passwords()
    if password.casefold() in common or _core(password) in common or unit in common:
        raise ValidationError(
            "password", hidden, "is one of the most common passwords: choose another"
        )


# ------------------------------------------------------------------------------ lockout
@dataclass(frozen=True)
class LoginLimits:
    """`account_failures` wrong passwords for one user name within `window` lock that name for
    `lockout`; `address_failures` from one address (any names) lock that address likewise.
    The address limit is higher: a control room's users may share one address."""

    account_failures: int = 5
    address_failures: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    lockout: dt.timedelta = dt.timedelta(minutes=15)

    @property
    def memory(self) -> dt.timedelta:
        """How far back failures can still matter."""
        return self.window + self.lockout


def locked_until(
    failures: Sequence[dt.datetime], *, limit: int, limits: LoginLimits, now: dt.datetime
) -> dt.datetime | None:
    """When the lockout earned by `failures` (their times) ends, or None when there is none
    now: `limit` failures within `limits.window` lock until `limits.lockout` after the last of
    them. Attempts during a lockout are not recorded, so they cannot prolong it."""
    times = sorted(failures)
    ends = [
        times[i] + limits.lockout
        for i in range(limit - 1, len(times))
        if times[i] - times[i - limit + 1] <= limits.window
    ]
    end = max(ends, default=None)
    return end if end is not None and end > now else None
