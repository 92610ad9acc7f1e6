"""A user's own preferences: the language the pages are shown in (issue 16 point 8).

A user may set only their own; the change is audited on the user like a password change.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from kilnguard.domain.errors import ValidationError
from kilnguard.i18n import LANGUAGES
from kilnguard.services import writes
from kilnguard.services.access import Principal
from kilnguard.store.models import User
from kilnguard.store.preference_models import UserPreference


def language_of(session: Session, user_id: int) -> str | None:
    """The language the user chose, or None if they never chose (then the browser decides)."""
    row = session.get(UserPreference, user_id)
    return row.language if row is not None else None


def set_language(session: Session, who: Principal, code: str) -> str:
    """Store `who`'s language; one of `i18n.LANGUAGES` or a ValidationError naming them."""
    if code not in LANGUAGES:
        raise ValidationError("language", code, f"must be one of {', '.join(LANGUAGES)}")
    user = session.get(User, who.user_id)
    if user is None:
        raise ValidationError("user", who.username, "is not a stored user; log in again")
    row = session.get(UserPreference, who.user_id)
    before = row.language if row is not None else None
    if row is None:
        row = UserPreference(user_id=who.user_id, language=code)
        session.add(row)
    row.language = code
    writes.write(
        session,
        who=who,
        row=user,
        action="set_language",
        kind="user",
        enterprise_id=None,
        payload={"language": code, "before": before},
        checked=False,
    )
    return code
