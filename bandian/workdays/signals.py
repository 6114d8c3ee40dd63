"""What the calendar tells the apps above it, without knowing them.

`calendar_changed` is sent by `services.calendar_year_load` once a year's rows are replaced (and
the cached calendar dropped), with `year=` the year loaded. An app whose stored dates depend on
the calendar (the applications' deadlines) connects a receiver in its `AppConfig.ready()`; the
receiver returns one sentence saying what it recomputed (or None), which `manage.py workdays
load` prints. A signal is the documented way for a lower layer to notify a higher one: workdays
never imports the apps that depend on it.
"""

from __future__ import annotations

from django.dispatch import Signal

calendar_changed = Signal()
