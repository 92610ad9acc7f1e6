"""An investigation's own records: attributed findings (flagged for hindsight language) and
interview notes. Investigators add these; they never edit the timeline's facts.

References
----------
- Leveson, N. G. (2019). *CAST Handbook: How to Learn More from Incidents and Accidents*.
  MIT PSASS, ch. 3 (hindsight bias) [R].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kilnguard.domain.errors import ValidationError
from kilnguard.domain.validation import require_text

# --------------------------------------------------------------------------------------------
# Findings and notes (attributed)
# --------------------------------------------------------------------------------------------

HINDSIGHT_PHRASES: tuple[str, ...] = (
    "should have",
    "could have",
    "would have",
    "if only",
    "failed to",
    "human error",
    "careless",
)
"""Phrases the CAST Handbook (Leveson 2019, ch. 3, hindsight bias) warns turn an analysis into
blame; flagged on findings so the investigator can rewrite them as 'why did it make sense' [R]."""


def hindsight_phrases(text: str) -> list[str]:
    """The hindsight/blame phrases found in ``text`` (case-insensitive)."""
    low = text.lower()
    return [p for p in HINDSIGHT_PHRASES if p in low]


@dataclass(frozen=True)
class Finding:
    """An investigator's finding, always attributed (who, when). ``about`` refers to timeline
    entries or controllers by whatever key the caller uses."""

    text: str
    author_id: str
    at: datetime
    about: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        require_text("text", self.text)
        require_text("author_id", self.author_id)
        if self.at.tzinfo is None:
            raise ValidationError("at", self.at, "must be timezone-aware")

    @property
    def hindsight_warnings(self) -> list[str]:
        """Hindsight/blame phrases in the text (see :data:`HINDSIGHT_PHRASES`)."""
        return hindsight_phrases(self.text)


@dataclass(frozen=True)
class InterviewNote:
    """Notes of an interview, attributed to the investigator who took them."""

    interviewee: str
    text: str
    author_id: str
    at: datetime

    def __post_init__(self) -> None:
        require_text("interviewee", self.interviewee)
        require_text("text", self.text)
        require_text("author_id", self.author_id)
