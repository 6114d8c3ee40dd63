from __future__ import annotations

from typing import Any

from tests.importer.conftest import sample


def timeline(*events: tuple[str, str] | tuple[str, str, str]) -> list[dict[str, Any]]:
    """Events from (at, type[, stage or reason]) tuples; times are Asia/Shanghai."""
    out = []
    for at, kind, *rest in events:
        ev: dict[str, Any] = {"at": f"{at}+08:00", "type": kind}
        if rest and kind == "stage_completed":
            ev["stage"] = rest[0]
        elif rest and kind == "paused":
            ev["reason"] = rest[0]
        out.append(ev)
    return out


def residential(no: str, submitted: str, apply: str, connect: str | None, **changes: Any) -> dict[str, Any]:
    events = [(submitted, "submitted"), (apply, "stage_completed", "apply")]
    if connect:
        events.append((connect, "stage_completed", "connect"))
    return sample(
        no=no,
        customer_class="residential",
        capacity_kw=8,
        voltage_kv=0.22,
        documents=["id_card", "property_proof"],
        events=timeline(*events),
        **changes,
    )


__all__ = ["residential", "sample", "timeline"]
