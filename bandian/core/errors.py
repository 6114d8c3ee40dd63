"""The refusals every app raises, and how a page or the API tells them apart.

- `ServiceError`: a request the rules refuse; its message is for the person who asked (the API
  answers 400);
- `NotYourCounty`: refused because the county is not the acting staff member's own (403);
- `StateConflict`: refused because of the object's current state (already submitted, paused,
  closed…): the same request may be fine at another moment (409);
- `RuleGap`: the calendar or the policy holds no rule for the date asked about — nothing the
  person asking can change (503). `refusal()` is the message for them.
"""

from __future__ import annotations


class ServiceError(Exception):
    """A request the rules refuse; the message is for the person who asked."""


class NotYourCounty(ServiceError):
    """Refused because the county is not the acting staff member's own (the API answers 403)."""


class StateConflict(ServiceError):
    """Refused because of the current state (already submitted, paused, closed…): the request
    itself may be fine at another moment. The API answers 409 for these, 400 for the rest."""


class RuleGap(LookupError):
    """The calendar or the policy holds no rule for the case asked about."""

    def refusal(self) -> str:
        """The message for the person who asked (translated)."""
        return str(self)


# What a page shows as a message rather than failing: the request was refused, not broken.
REFUSALS: tuple[type[Exception], ...] = (ServiceError, RuleGap)


def refusal_text(exc: Exception) -> str:
    """The message for the person whose request raised one of `REFUSALS`."""
    return exc.refusal() if isinstance(exc, RuleGap) else str(exc)
