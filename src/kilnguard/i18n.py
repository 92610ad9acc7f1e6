"""Korean and English: gettext catalogs for the web pages, read through Babel.

The plants kilnguard was started for speak Korean (`../shared/seeds/`); their engineers and
the regional authority read English too. Every template string goes through `gettext` (`_()`
and `{% trans %}` in Jinja, with Jinja's i18n extension); the catalogs are plain `.po` files
under `locale/<language>/LC_MESSAGES/messages.po`, compiled in memory when first used, so the
package ships text only and nothing is built at install time.

The language of a request is chosen once (`negotiate`): the user's stored preference, else the
browser's `Accept-Language`, else English; `language(...)` makes it current for the rendering
(a context variable, so concurrent requests in one process never see each other's).
Extract and update the catalogs with `make messages` (pybabel, `babel.cfg`).
"""

from __future__ import annotations

import datetime as dt
import gettext as stdlib_gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

#: The languages a user may choose, by code, with their own names.
LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("kilnguard_language", default=DEFAULT_LANGUAGE)


def catalog_path(code: str) -> Path:
    """The `.po` file of a language (English has none: its strings are the message ids)."""
    return LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"


@cache
def translations(code: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalog of a language, built once per process from its `.po` file."""
    path = catalog_path(code)
    if code not in LANGUAGES or not path.exists():
        return stdlib_gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=code)
    mo = BytesIO()
    write_mo(mo, catalog)
    mo.seek(0)
    return Translations(mo)


def current() -> str:
    """The language of the request being rendered."""
    return _current.get()


@contextmanager
def language(code: str) -> Iterator[str]:
    """Make `code` the current language for the `with` block (unknown codes mean English)."""
    token = _current.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """`message` in the current language (itself when the catalog has no translation)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for `n`, in the current language."""
    return translations(current()).ngettext(singular, plural, n)


def negotiate(preferred: str | None, accept_language: str | None) -> str:
    """The language to answer in: the user's stored choice, else the best match of the
    browser's `Accept-Language` (quality values honoured, `ko-KR` matches `ko`), else English."""
    if preferred in LANGUAGES:
        return preferred
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.strip().lower().split("-")[0]
        if code in LANGUAGES and quality > 0:
            ranked.append((-quality, position, code))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def number(value: float | int, digits: int = 1) -> str:
    """A number with the current language's separators, `digits` after the decimal point."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=Locale.parse(current()))


def day(value: dt.date) -> str:
    """A date in the current language's medium form (`30 Nov 2026`, `2026. 11. 30.`)."""
    return format_date(value, format="medium", locale=Locale.parse(current()))


def instant(value: dt.datetime, zone: str) -> str:
    """An instant in a plant's time zone, in the current language, with the zone shown."""
    return format_datetime(
        value, format="yyyy-MM-dd HH:mm zzz", tzinfo=ZoneInfo(zone), locale=current()
    )
