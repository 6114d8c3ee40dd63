"""Supply contracts (issue 11.1): the time to draw one contract, to sign it (pyHanko, PAdES, the
visible stamp with its QR code), to verify it (the public check), and the rate of the demo's way
of drawing and signing thousands (one forked worker per core).

Run by `python -m bench --only contracts` (or `python -m bench.contracts`). It needs no bench
database: a throw-away SQLite file for the verification's lookup of the record, and a signing
key of its own (RSA 2048, a self-made CA) in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

RUNS = 40
BATCH = 200


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[max(0, int(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="bandian-bench-contracts-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bandian.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["CONTRACT_SIGNING_P12"] = str(folder / "signing.p12")
    os.environ["CONTRACT_SIGNING_P12_PASSWORD"] = ""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from bandian.applications.contracts.pdf import ContractText, draw_contract
    from bandian.applications.contracts.signing import Stamp, demo_certificate, get_signer
    from bandian.applications.contracts.verify import verify_contract
    from bandian.core.pdf import cjk_font
    from bandian.demo import contracts as demo_contracts
    from bandian.policy.contracts import contract_templates

    demo_certificate(Path(os.environ["CONTRACT_SIGNING_P12"]), "")
    signer = get_signer()
    cjk_font()
    templates = contract_templates()
    at = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)

    def text(i: int) -> ContractText:
        template = templates.for_class(["residential", "lv_sanling", "hv_single"][i % 3])
        return ContractText(
            application_no=f"QDN-2026-{i:06d}",
            template=template,
            customer=f"测试用户{i}",
            address=f"凯里市北京东路 {i} 号",
            capacity_kw=Decimal("8"),
            voltage_kv=Decimal("0.22"),
            class_name="居民用户",
            county="凯里市",
            drawn_on=at.date(),
        )

    def stamp(i: int) -> Stamp:
        return Stamp(utility=templates.for_class("residential").supplier.name, verify_url=f"http://x/v/?no=QDN-{i}")

    signer.sign(draw_contract(text(0)), at=at, stamp=stamp(0))  # warm-up: font, key, imports
    load_before = os.getloadavg()[0]
    draws, signs, verifies, tampered = [], [], [], []
    signed = []
    cpu0 = time.process_time()
    for i in range(RUNS):
        t = time.perf_counter()
        pdf = draw_contract(text(i))
        draws.append(time.perf_counter() - t)
        t = time.perf_counter()
        signed.append(signer.sign(pdf, at=at, stamp=stamp(i)))
        signs.append(time.perf_counter() - t)
    cpu_per_contract = (time.process_time() - cpu0) / RUNS
    cpu1 = time.process_time()
    for data in signed:
        t = time.perf_counter()
        result = verify_contract(data)
        verifies.append(time.perf_counter() - t)
        assert result.intact and result.trusted, result
        changed = bytearray(data)
        changed[data.index(b"/Subject") + 10] ^= 1
        t = time.perf_counter()
        assert not verify_contract(bytes(changed)).intact
        tampered.append(time.perf_counter() - t)
    cpu_per_verify = (time.process_time() - cpu1) / (2 * RUNS)

    # The demo's path: draw and sign in one forked worker per core.
    jobs = [
        demo_contracts._Job(
            app_id=i,
            text=text(i),
            target="sealed",
            drawn_at=at,
            signed_at=at,
            sealed_at=at,
            stamp=stamp(i),
        )
        for i in range(BATCH)
    ]
    demo_contracts._SIGNER[:] = [signer]
    processes = min(os.cpu_count() or 1, 8)
    t = time.perf_counter()
    made = sum(1 for _ in demo_contracts._made(jobs, processes))
    batch_s = time.perf_counter() - t
    load_after = os.getloadavg()[0]

    size = statistics.median(len(d) for d in signed) / 1024
    rows = [
        ("draw one contract (ReportLab, CJK font subset)", _ms(draws)),
        ("sign one contract (pyHanko PAdES, stamp with QR)", _ms(signs)),
        ("CPU time per contract, draw + sign", f"{cpu_per_contract * 1000:.1f} ms"),
        ("verify a sealed contract (public check)", _ms(verifies)),
        ("verify a contract changed by one byte", _ms(tampered)),
        ("CPU time per verification", f"{cpu_per_verify * 1000:.1f} ms"),
        (
            f"draw + sign {made} contracts, {processes} processes (the demo)",
            f"{batch_s:.1f} s, {made / batch_s:.1f} contracts/s",
        ),
        ("sealed contract size", f"{size:.0f} KiB (median)"),
    ]
    print(f"contracts bench: {RUNS} contracts each way; load average {load_before:.1f} before, {load_after:.1f} after")
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
