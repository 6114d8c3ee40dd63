"""The limits on what people send, declared once for the web forms and the API schemas.

A page and the API refuse the same input: the forms take these constants as `max_length` and
`validate_date_in_range`, the ninja schemas as `Field(max_length=...)` and `date_in_range`, so an
overlong note or a date in the year 9999 is a form error on the page and a 422 from the API.
Integers that come as text (a row id, a year) are read only when they are ASCII digits of a
sane length: `str.isdigit()` accepts "²" and "①", which `int()` refuses, and `int()` refuses
more than 4,300 digits.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Every date and instant a person or a terminal gives (an outage's start, a restoration, a
# terminal's own time of a field action, a grid row's service dates) lies in these years.
FIRST_YEAR = 2000
LAST_YEAR = 2099

# Text fields, in characters.
NOTE_MAX = 2000  # notes, reasons and evidence in words; an outage's description
SHORT_MAX = 200  # an address, a line's route, a short note or reason
NAME_MAX = 100  # a person's or an organisation's name; a terminal's id
CODE_MAX = 40  # a code typed to find or name a row (feeder, transformer, document kind)
SEARCH_MAX = 40  # a search box
NUMBER_MAX = 32  # an application number

# Row ids are 64-bit integers: 19 digits at most.
ID_DIGITS_MAX = 18


def date_in_range(value: dt.date) -> bool:
    """Whether a date or an instant (in its own time zone) falls within FIRST_YEAR..LAST_YEAR."""
    return FIRST_YEAR <= value.year <= LAST_YEAR


def date_range_message() -> str:
    return _("日期应在 %(a)s 年至 %(b)s 年之间") % {"a": FIRST_YEAR, "b": LAST_YEAR}


def validate_date_in_range(value: dt.date | None) -> None:
    """A form field's validator: a clear error for a date outside the years people may give."""
    if value is not None and not date_in_range(value):
        raise ValidationError(date_range_message(), code="date_range")


def ascii_int(raw: str | None, *, max_digits: int = ID_DIGITS_MAX) -> int | None:
    """The integer spelt by `raw` in ASCII digits (at most `max_digits` of them), else None."""
    value = (raw or "").strip()
    if not value or len(value) > max_digits or not (value.isascii() and value.isdigit()):
        return None
    return int(value)


YEAR_MESSAGE = gettext_lazy("年份应为 %(a)s 至 %(b)s 之间的四位数字")


def parse_year(raw: str | None, *, default: int, years: range) -> tuple[int, str]:
    """The year asked for in a page's `?year=` (`default` when none is given) and an error in
    words ("" when none) for one that is not four ASCII digits within `years`."""
    if raw is None or not raw.strip():
        return default, ""
    year = ascii_int(raw, max_digits=4)
    if year is None or year not in years:
        return default, str(YEAR_MESSAGE % {"a": years.start, "b": years.stop - 1})
    return year, ""
