"""Demo supply contracts: every energised low-voltage application has its contract, signed by
the applicant and sealed by the utility; the open applications that reached their signing step
are at every stage (drawn awaiting signature, signed, sealed), those that did not have none yet.

Run by `manage.py demo` after the other parts (it appends events to timelines those parts
wrote). Everything goes through the contract services with `at=` (the draw, the acceptance — the
SMS channel for online applications, the counter's paper signature with its scan for counter
ones — and the seal). Drawing and signing the PDFs is the slow part (tens of milliseconds per
contract, mostly pyHanko's CMS encoding), so it runs in one forked worker process per core
before the services store the results in the main process, in one transaction.

Deterministic (the times follow each timeline), skipped for applications that have a contract.
"""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections, transaction
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bandian.accounts.models import User
from bandian.applications.contracts import services
from bandian.applications.contracts.models import Contract, ContractState, SigningChannel
from bandian.applications.contracts.pdf import ContractText, contract_text, draw_contract
from bandian.applications.contracts.signing import Signer, Stamp, get_signer
from bandian.applications.enums import Channel, EventType, Status
from bandian.applications.models import Application, Event
from bandian.core.pdf import cjk_font
from bandian.demo import applications as app_demo
from bandian.policy.loader import active_policy

# Below this many contracts the workers are not worth forking.
PARALLEL_FROM = 40


@dataclass(frozen=True)
class ContractsDemoResult:
    loaded: bool
    contracts: int = 0
    sealed: int = 0
    seconds: float = 0.0
    write_seconds: float = 0.0  # of `seconds`, the main process storing (the workers draw and sign meanwhile)
    processes: int = 1
    reason: str = ""


@dataclass(frozen=True)
class _Job:
    app_id: int
    text: ContractText
    target: str  # drawn, signed, sealed
    drawn_at: dt.datetime
    signed_at: dt.datetime | None
    sealed_at: dt.datetime | None
    stamp: Stamp


def _scan_pdf() -> bytes:
    """The demo's stand-in for a scanned paper signature page."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setFont(cjk_font(), 14)
    pdf.drawString(72, 760, "供用电合同签字页扫描件（演示数据）")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _times(begin: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """Drawn, signed and sealed within the signing step [begin, end)."""
    span = max(end - begin, dt.timedelta(minutes=12))
    drawn = begin + min(dt.timedelta(minutes=5), span / 6)
    signed = begin + span * 0.35
    sealed = signed + min(dt.timedelta(minutes=3), span / 6)
    return drawn, signed, sealed


def _jobs() -> list[_Job]:
    policy = active_policy()
    low = [code for code, rule in policy.classes.items() if rule.voltage == "low"]
    apps = list(
        Application.objects.filter(contract__isnull=True)
        .filter(status__in=[*Status.open_states(), Status.ENERGISED])
        .select_related("county", "applicant")
        .order_by("no")
    )
    apps = [a for a in apps if a.status != Status.ENERGISED or a.customer_class in low]
    apps = [a for a in apps if services.contract_due(a)]
    stage_of = {a.pk: services.signing_stage(a) for a in apps}
    began: dict[int, dt.datetime] = {}
    ended: dict[int, dt.datetime] = {}
    rows = Event.objects.filter(
        application_id__in=list(stage_of), type__in=[EventType.SUBMITTED, EventType.STAGE_COMPLETED]
    ).values_list("application_id", "type", "stage", "occurred_at")
    # The signing step begins at the submission (the first step) or when the step before it is completed.
    before = {}
    for a in apps:
        steps = list(policy.classes[a.customer_class].steps)
        i = steps.index(stage_of[a.pk])
        before[a.pk] = steps[i - 1] if i else ""
    for app_id, type_, stage, at in rows:
        if type_ == EventType.SUBMITTED and not before[app_id]:
            began.setdefault(app_id, at)
        elif type_ == EventType.STAGE_COMPLETED and stage and stage == before[app_id]:
            began[app_id] = at
        elif type_ == EventType.STAGE_COMPLETED and stage == stage_of[app_id]:
            ended[app_id] = at
    jobs: list[_Job] = []
    cycle = [ContractState.DRAWN, ContractState.SIGNED, ContractState.SEALED]
    open_index = 0
    for app in apps:
        begin = began[app.pk]
        end = ended.get(app.pk, app_demo.DEMO_NOW)
        drawn, signed, sealed = _times(begin, min(end, app_demo.DEMO_NOW))
        if app.status == Status.ENERGISED:
            target = ContractState.SEALED
        elif app.applicant_id is not None:
            target = ContractState.DRAWN  # the demo applicant's own: left for them to sign
        else:
            target = cycle[open_index % 3]
            open_index += 1
        class_name = policy.classes[app.customer_class].zh
        jobs.append(
            _Job(
                app_id=app.pk,
                text=contract_text(app, services.template_for(app), class_name=class_name, at=drawn),
                target=target,
                drawn_at=drawn,
                signed_at=signed if target != ContractState.DRAWN else None,
                sealed_at=sealed if target == ContractState.SEALED else None,
                stamp=services.stamp_for(app),
            )
        )
    return jobs


# The jobs the forked workers read (inherited with the process, not pickled), and their signer.
_WORK: list[_Job] = []
_SIGNER: list[Signer] = []


def _make(index: int) -> tuple[int, bytes, bytes | None]:
    job = _WORK[index]
    drawn = draw_contract(job.text)
    sealed = _SIGNER[0].sign(drawn, at=job.sealed_at, stamp=job.stamp) if job.sealed_at is not None else None
    return index, drawn, sealed


_INHERITED: list[object] = []


def _drop_inherited_connections() -> None:
    # The workers only draw and sign; they never use the database. They set aside (never use,
    # close or free: the worker ends with os._exit) the parent's connections they inherited,
    # which stay the parent's, in its transaction; a query by mistake would open its own.
    for conn in connections.all(initialized_only=True):
        _INHERITED.append(conn.connection)
        conn.connection = None


def _made(jobs: list[_Job], processes: int) -> Iterator[tuple[int, bytes, bytes | None]]:
    _WORK[:] = jobs
    if processes <= 1:
        yield from map(_make, range(len(jobs)))
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_drop_inherited_connections) as pool:
        yield from pool.imap(_make, range(len(jobs)), chunksize=8)


def load_contracts_demo(*, progress: Callable[[str], None] | None = None) -> ContractsDemoResult:
    """The demo's contracts, once per application (later runs add nothing)."""
    started = time.monotonic()
    if not app_demo.is_loaded():
        return ContractsDemoResult(False, reason="the demo applications are not loaded")
    signer = get_signer()  # SigningUnavailable: run `manage.py signing_cert --demo`
    cjk_font()  # registered before forking, so the workers inherit it
    jobs = _jobs()
    if not jobs:
        return ContractsDemoResult(False, reason="every demo application that is due has its contract")
    processes = min(os.cpu_count() or 1, 8) if len(jobs) >= PARALLEL_FROM else 1
    if progress is not None:
        progress(f"drawing and signing {len(jobs)} supply contracts in {processes} processes (once)")
    _SIGNER[:] = [signer]
    counter_clerks = {
        u.county_id: u
        for u in User.objects.filter(username__endswith="-counter", email__endswith="@" + app_demo.DEMO_EMAIL_DOMAIN)
    }
    scan = _scan_pdf()
    write_seconds = 0.0
    sealed_count = 0
    apps = {
        a.pk: a
        for a in Application.objects.filter(pk__in=[j.app_id for j in jobs]).select_related("county", "applicant")
    }
    # The workers draw and sign while this process stores each result through the services, in
    # the jobs' order (each application's events are appended in the same order every time).
    with transaction.atomic():
        for index, drawn, sealed in _made(jobs, processes):
            began = time.monotonic()
            job = jobs[index]
            app = apps[job.app_id]
            services.contract_draw(application=app, at=job.drawn_at, drawn=drawn, notify_people=False)
            if job.signed_at is None:
                write_seconds += time.monotonic() - began
                continue
            clerk = counter_clerks.get(app.county_id)
            if app.channel == Channel.COUNTER and clerk is not None:
                services.contract_sign_paper(
                    application=app,
                    scan=SimpleUploadedFile("signature-page.pdf", scan, content_type="application/pdf"),
                    actor=clerk,
                    at=job.signed_at,
                    notify_people=False,
                    queue_seal=False,
                )
            else:
                services.contract_accept(
                    application=app,
                    channel=SigningChannel.SMS,
                    actor=app.applicant,
                    at=job.signed_at,
                    notify_people=False,
                    queue_seal=False,
                )
            if sealed is not None:
                services.contract_seal(
                    application=app, at=job.sealed_at, signer=signer, sealed=sealed, notify_people=False
                )
                sealed_count += 1
            write_seconds += time.monotonic() - began
    return ContractsDemoResult(
        True,
        contracts=len(jobs),
        sealed=sealed_count,
        seconds=time.monotonic() - started,
        write_seconds=write_seconds,
        processes=processes,
    )


__all__ = ["Contract", "ContractsDemoResult", "load_contracts_demo"]
