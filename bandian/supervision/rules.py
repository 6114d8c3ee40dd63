"""Who may see the supervision pages: decided here and nowhere else."""

from __future__ import annotations

from bandian.accounts.rules import AnyUser, can_supervise


def can_view_compliance(user: AnyUser) -> bool:
    """Supervisors (who read everything) and admins."""
    return can_supervise(user)
