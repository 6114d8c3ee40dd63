"""The service guide (办事指南) per customer class, built from the policy in force.

One function, `service_guide`, makes the guide the page (`/public/guide/<class>/`) and the API
(`GET /api/v1/public/guide`) both show: every number comes from the policy, every label in the
request's language. Nothing here is written by hand that the policy states.

Dated rules. The loader reads one policy file; a later rule is a dated entry of that file (a
limit with a later `from`, an approval limit, a zero-investment rule from a later date). The
guide lists every dated entry with its dates and its state on `today`: `in_force`, `upcoming`
(from a later date: both the current and the coming rule are shown) or `ended`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bandian.core.text import label
from bandian.policy.classes import CustomerClass
from bandian.policy.schema import Policy

IN_FORCE, UPCOMING, ENDED = "in_force", "upcoming", "ended"


def state_on(today: dt.date, start: dt.date, end: dt.date | None) -> str:
    if today < start:
        return UPCOMING
    if end is not None and today > end:
        return ENDED
    return IN_FORCE


def state_label(state: str) -> str:
    return {IN_FORCE: _("现行有效"), UPCOMING: _("尚未施行"), ENDED: _("已停止适用")}[state]


def clock_text(name: str) -> str:
    return {
        "full_process": _("全过程办电时间：从提交申请到装表接电，扣除客户原因暂停的时间"),
        "utility": _("供电企业办理时间：扣除客户原因暂停和外线工程行政审批的时间"),
        "approval": _("电力接入工程行政审批时间"),
    }[name]


@dataclass(frozen=True)
class Step:
    code: str
    name: str
    workdays: int


@dataclass(frozen=True)
class LimitPeriod:
    valid_from: dt.date
    valid_to: dt.date | None
    state: str
    state_label: str
    total_workdays: int
    steps: list[Step]


@dataclass(frozen=True)
class DatedRule:
    """A rule that applies from one date (to another), described in plain words."""

    key: str
    text: str
    valid_from: dt.date
    valid_to: dt.date | None
    state: str
    state_label: str


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    how: str


@dataclass(frozen=True)
class ClassGuide:
    code: str
    name: str
    voltage: str
    who: str
    clock: str
    clock_text: str
    limit_in_force: LimitPeriod | None
    limits: list[LimitPeriod]
    steps_max: int
    documents: list[dict[str, str]]
    documents_max: int
    documents_note: str
    visits_max: int | None
    visits_text: str
    channels: list[Channel]
    zero_investment: list[DatedRule]
    zero_investment_note: str
    permits: list[DatedRule]
    permits_note: str
    pause_reasons: list[dict[str, str]]
    progress: str
    complaints: str
    hotlines: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _who(code: str, policy: Policy) -> str:
    kw = f"{policy.sanling.max_kw:g}"
    lv = f"{policy.low_voltage.max_kw:g}"
    who: dict[str, str] = {
        CustomerClass.RESIDENTIAL: _("居民生活用电（住宅、自建房等低压 220/380 V 居民用户）。"),
        CustomerClass.LV_SANLING: _(
            "低压小微企业：用电容量不超过 %(kw)s kW、所在县（市）和区域（城区或农村）"
            "在申请之日适用“零投资”规定的低压非居民用户。"
        )
        % {"kw": kw},
        CustomerClass.LV_GENERAL: _(
            "其他低压非居民用户（容量不超过 %(lv)s kW）：不符合“三零”规定的商业、小微企业、农业生产等低压用电。"
        )
        % {"lv": lv},
        CustomerClass.HV_SINGLE: _("10(20) kV 高压供电、一路电源的用户（工业、商业综合体等）。"),
        CustomerClass.HV_DUAL: _("10(20) kV 高压供电、需要两路电源（双电源）的重要用户。"),
    }
    return who.get(code, "")


def _visits_text(visits_max: int | None) -> str:
    if visits_max is None:
        return _("方案未规定上门次数的上限；可全程网上办理，不必到营业厅。")
    if visits_max == 0:
        return _("零上门：全程网上或电话办理，不需要到营业厅。")
    return _("最多跑 %(n)s 次：需要您到场的，合计不超过 %(n)s 次。") % {"n": visits_max}


def _zero_investment(policy: Policy, today: dt.date) -> list[DatedRule]:
    out = []
    for rule in policy.zero_investment:
        # Words inside the sentence below (lower case in English), not the policy page's table cells.
        counties = "、".join(policy.counties[c] for c in rule.counties) or pgettext("in a sentence", "全州各县（市）")
        area = {
            True: pgettext("in a sentence", "城区"),
            False: pgettext("in a sentence", "农村地区"),
            None: pgettext("in a sentence", "城区和农村地区"),
        }[rule.urban]
        text = _(
            "%(name)s：%(counties)s的%(area)s，用电容量不超过 %(kw)s kW 的低压小微企业，自 %(from)s 起“零投资”接入。"
        ) % {
            "name": label(rule),
            "counties": counties,
            "area": area,
            "kw": f"{rule.max_kw:g}",
            "from": rule.valid_from.isoformat(),
        }
        state = state_on(today, rule.valid_from, None)
        out.append(DatedRule(rule.key, text, rule.valid_from, None, state, state_label(state)))
    return out


def _permits(policy: Policy, today: dt.date, voltage: str) -> list[DatedRule]:
    a = policy.approval
    out = []
    for i, lim in enumerate(a.parallel_limits):
        state = state_on(today, lim.valid_from, lim.valid_to)
        text = _(
            "并联审批：外线工程涉及的占用绿地、伐树、挖掘道路、占道等审批统一受理、并联办理，"
            "合计不超过 %(n)s 个工作日。"
        ) % {"n": lim.workdays}
        out.append(DatedRule(f"parallel_{i + 1}", text, lim.valid_from, lim.valid_to, state, state_label(state)))
    for i, acc in enumerate(a.access_limits):
        state = state_on(today, acc.valid_from, acc.valid_to)
        days = acc.low_voltage_workdays if voltage == "low" else acc.high_voltage_workdays
        text = _(
            "电力接入工程行政审批：本类用户不超过 %(n)s 个工作日（低压 %(low)s 个、20 kV 及以下高压 %(high)s 个）。"
        ) % {
            "n": days,
            "low": acc.low_voltage_workdays,
            "high": acc.high_voltage_workdays,
        }
        out.append(DatedRule(f"access_{i + 1}", text, acc.valid_from, acc.valid_to, state, state_label(state)))
    return out


def _permits_note(policy: Policy) -> str:
    a, p = policy.approval, policy.permits
    return _(
        "告知承诺：电压 %(ckv)s kV 及以下、线路长度不超过 %(cm)s 米%(cw)s的外线工程，实行告知承诺制，承诺后即可施工。"
        "审批改备案：电压 %(fkv)s kV 及以下、长度不超过 %(fm)s 米%(fw)s的低压短距离线路，只需备案。"
        "接电后 %(r)s 个工作日内，供电企业向有关部门报告完工并恢复道路、绿地。"
    ) % {
        "ckv": f"{a.commitment_max_kv:g}",
        "cm": f"{a.commitment_max_length_m:g}",
        "cw": _("、不含电力井") if a.commitment_excludes_wells else "",
        "fkv": f"{p.filing_max_kv:g}",
        "fm": f"{p.filing_max_length_m:g}",
        "fw": _("、不含电力井") if p.filing_excludes_wells else "",
        "r": p.restoration_workdays,
    }


def _channels(hotline: str) -> list[Channel]:
    return [
        Channel("online", _("网上办理"), _("在本网站注册登录后申请，上传规定资料，随时查看进度。")),
        Channel("counter", _("营业厅"), _("到所在县（市）供电营业厅，由柜员代为录入。")),
        Channel("phone", _("电话"), _("拨打 %(n)s 服务热线申请或咨询。") % {"n": hotline}),
    ]


def class_guide(policy: Policy, code: str, *, today: dt.date) -> ClassGuide:
    """The guide of one customer class (a key of policy.classes) on `today`."""
    rule = policy.classes[code]
    stages = policy.stages
    limits = [
        LimitPeriod(
            lim.valid_from,
            lim.valid_to,
            state_on(today, lim.valid_from, lim.valid_to),
            state_label(state_on(today, lim.valid_from, lim.valid_to)),
            lim.total,
            [Step(s, label(stages[s]), lim.steps[s]) for s in rule.steps],
        )
        for lim in sorted(rule.limits, key=lambda lim: lim.valid_from)
    ]
    in_force = next((lim for lim in limits if lim.state == IN_FORCE), None)
    hotlines = [{"number": h.number, "name": label(h), "who": label(h.who)} for h in policy.hotlines]
    service = next((h["number"] for h in hotlines if h["number"] == "95598"), hotlines[0]["number"])
    lv_business = code in (CustomerClass.LV_SANLING, CustomerClass.LV_GENERAL)
    return ClassGuide(
        code=code,
        name=label(rule),
        voltage=_("低压") if rule.voltage == "low" else _("高压 10(20) kV"),
        who=_who(code, policy),
        clock=rule.clock,
        clock_text=clock_text(rule.clock),
        limit_in_force=in_force,
        limits=limits,
        steps_max=rule.steps_max,
        documents=[{"code": d, "name": label(policy.documents[d])} for d in rule.documents],
        documents_max=rule.documents_max,
        documents_note=_("只需以上 %(n)s 份资料（不超过 %(m)s 份）；供电企业不得要求提供其他任何资料。")
        % {"n": len(rule.documents), "m": rule.documents_max},
        visits_max=rule.visits_max,
        visits_text=_visits_text(rule.visits_max),
        channels=_channels(service),
        zero_investment=_zero_investment(policy, today) if lv_business else [],
        zero_investment_note=(
            _(
                "“三零”服务：零上门、零审批、零投资。符合下列规定之一的低压小微企业，由供电企业投资建设到客户红线（计量装置），客户不承担接入费用；按申请之日、所在县（市）、区域和容量判断，规定更具体的优先。"
            )
            if lv_business
            else ""
        ),
        permits=_permits(policy, today, rule.voltage),
        permits_note=_permits_note(policy),
        pause_reasons=[{"code": c, "name": label(r)} for c, r in policy.pause_reasons.items()],
        progress=_(
            "每个申请都有编号。登录后在“我的申请”查看每个环节的办理人、期限和用时；不登录也可凭申请编号和手机号后四位在“进度查询”查看。"
            "只有下列客户原因可以暂停计时，暂停须说明理由，您都能看到。"
        ),
        complaints=_(
            "对办理时限、资料、收费或服务不满意，可拨打下列热线：供电服务热线受理投诉，能源监管热线受理对供电企业的投诉举报。"
        ),
        hotlines=hotlines,
    )


def service_guide(policy: Policy, *, today: dt.date) -> list[ClassGuide]:
    """The guide of every customer class of the policy, in the policy's order."""
    return [class_guide(policy, code, today=today) for code in policy.classes]


def policy_header(policy: Policy) -> dict[str, Any]:
    meta = policy.policy
    return {
        "name": meta.name,
        "title": meta.title,
        "document": meta.document,
        "issued": meta.issued,
        "authority": meta.authority,
    }
