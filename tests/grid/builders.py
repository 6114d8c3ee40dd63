"""A small grid for tests: one substation in Kaili (522601) with feeder F1 (public transformers
T1, T2, T3 and an HV customer H1 on its own transformer C1), and one in Huangping (522622) with
feeder F9 and public transformer T9."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bandian.grid.models import Feeder, LVCustomer, MVUser, Substation, Transformer


@dataclass
class Grid:
    substation: Substation
    feeder: Feeder
    transformers: dict[str, Transformer]
    users: dict[str, MVUser]
    other_feeder: Feeder


def build_grid() -> Grid:
    s1 = Substation.objects.create(code="S1", name="凯里110kV站", county_id="522601", voltage_kv=110)
    s9 = Substation.objects.create(code="S9", name="黄平35kV站", county_id="522622", voltage_kv=35)
    f1 = Feeder.objects.create(
        code="F1", name="10kV城东线", substation=s1, county_id="522601", area_class="urban",
        density_class="B", rated_capacity_kva=8000, peak_load_kva=5200,
    )  # fmt: skip
    f9 = Feeder.objects.create(
        code="F9", name="10kV新州线", substation=s9, county_id="522622", area_class="rural",
        rated_capacity_kva=6000,
    )  # fmt: skip
    transformers = {}
    users = {}
    for code in ("T1", "T2", "T3"):
        transformers[code] = Transformer.objects.create(
            code=code, name=f"{code} 公变", feeder=f1, ownership="public", capacity_kva=400,
            county_id="522601", area_class="urban",
        )  # fmt: skip
        users[code] = MVUser.objects.create(
            user_id=code, kind="public_transformer", name=f"{code} 公变", feeder=f1,
            transformer=transformers[code], county_id="522601", area_class="urban",
        )  # fmt: skip
    transformers["C1"] = Transformer.objects.create(
        code="C1", name="某厂专变", feeder=f1, ownership="customer", capacity_kva=1250,
        county_id="522601", area_class="urban",
    )  # fmt: skip
    users["H1"] = MVUser.objects.create(
        user_id="H1", kind="hv_customer", name="某厂", feeder=f1, transformer=transformers["C1"],
        county_id="522601", area_class="urban", in_service_from=dt.date(2026, 3, 1),
    )  # fmt: skip
    transformers["T9"] = Transformer.objects.create(
        code="T9", name="T9 公变", feeder=f9, ownership="public", capacity_kva=200,
        county_id="522622", area_class="rural",
    )  # fmt: skip
    users["T9"] = MVUser.objects.create(
        user_id="T9", kind="public_transformer", name="T9 公变", feeder=f9,
        transformer=transformers["T9"], county_id="522622", area_class="rural",
    )  # fmt: skip
    LVCustomer.objects.create(account_no="0601000001", name="张三", transformer=transformers["T1"], county_id="522601")
    return Grid(s1, f1, transformers, users, f9)
