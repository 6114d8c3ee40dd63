"""Pinned cases of the counting conventions (docs/reliability.md), each computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from bandian.reliability import engine
from tests.reliability_engine.builders import at, interruptions, per_user, users

ONE = users(("A", "rural", "522601"))
HOUR = 3600


def test_an_interruption_crossing_the_new_year_counts_in_each_year_for_its_own_part():
    rows = interruptions(("A", at(2024, 12, 31, 23, 0), at(2025, 1, 1, 1, 30)))

    assert per_user(ONE, rows, 2024)["A"]["sustained_seconds"] == HOUR
    assert per_user(ONE, rows, 2025)["A"]["sustained_seconds"] == 1.5 * HOUR
    assert per_user(ONE, rows, 2025)["A"]["sustained_count"] == 1
    report = engine.compute_year(ONE, rows, 2025)
    assert report.total.saidi_hours == 1.5
    assert report.total.saifi == 1.0


def test_rows_of_zero_or_negative_length_count_for_nothing():
    rows = interruptions(
        ("A", at(2025, 3, 1, 10), at(2025, 3, 1, 10)),
        ("A", at(2025, 3, 1, 12), at(2025, 3, 1, 11)),
    )
    figures = engine.compute_year(ONE, rows, 2025).total

    assert (figures.saidi_hours, figures.saifi, figures.momentary_count) == (0.0, 0.0, 0)
    assert figures.caidi_hours is None


def test_three_minutes_is_momentary_and_three_minutes_and_one_second_is_sustained():
    momentary = interruptions(("A", at(2025, 3, 1, 10), at(2025, 3, 1, 10, 3)))
    sustained = interruptions(("A", at(2025, 3, 1, 10), at(2025, 3, 1, 10, 3, 1)))

    assert per_user(ONE, momentary, 2025)["A"] | {"user_years": 1.0} == {
        "user_id": "A",
        "area_class": "rural",
        "county": "522601",
        "user_years": 1.0,
        "sustained_seconds": 0,
        "sustained_count": 0,
        "momentary_count": 1,
    }
    row = per_user(ONE, sustained, 2025)["A"]
    assert (row["sustained_seconds"], row["sustained_count"], row["momentary_count"]) == (181, 1, 0)


def test_a_momentary_interruption_counts_in_the_year_it_starts_in():
    rows = interruptions(("A", at(2025, 12, 31, 23, 59), at(2026, 1, 1, 0, 1)))

    assert engine.compute_year(ONE, rows, 2025).total.momentary_count == 1
    assert engine.compute_year(ONE, rows, 2026).total.momentary_count == 0


def test_planned_and_fault_overlapping_merge_in_the_total_and_count_fully_in_each_kind():
    rows = interruptions(
        ("A", at(2025, 3, 1, 10), at(2025, 3, 1, 12), "planned", "internal"),
        ("A", at(2025, 3, 1, 11), at(2025, 3, 1, 13), "fault", "external"),
    )
    f = engine.compute_year(ONE, rows, 2025).total

    assert (f.saidi_hours, f.saifi, f.caidi_hours) == (3.0, 1.0, 3.0)
    assert (f.planned_hours, f.fault_hours) == (2.0, 2.0)
    assert f.rs1 == round(1 - 3 / 8760, 6)
    assert f.rs2 == round(1 - 2 / 8760, 6)  # without the external fault: the planned 2 h
    assert f.rs3 == f.rs1


def test_touching_interruptions_are_one_block_and_nested_ones_add_nothing():
    rows = interruptions(
        ("A", at(2025, 3, 1, 10), at(2025, 3, 1, 14)),
        ("A", at(2025, 3, 1, 11), at(2025, 3, 1, 12)),  # inside the first
        ("A", at(2025, 3, 1, 13), at(2025, 3, 1, 15)),  # overlaps the first after the nested one
        ("A", at(2025, 3, 1, 15), at(2025, 3, 1, 16)),  # touches the previous end
        ("A", at(2025, 3, 1, 16, 0, 1), at(2025, 3, 1, 17)),  # a second later: a new block
    )
    row = per_user(ONE, rows, 2025)["A"]

    assert (row["sustained_seconds"], row["sustained_count"]) == (6 * HOUR + HOUR - 1, 2)


def test_a_user_entering_service_mid_year_counts_for_its_share_and_from_its_first_day():
    u = users(("A", "rural", "522601"), ("B", "urban", "522601", dt.date(2025, 7, 1)))
    rows = interruptions(("B", at(2025, 6, 30, 23), at(2025, 7, 1, 2)))  # 1 h before service
    report = engine.compute_year(u, rows, 2025)

    b = per_user(u, rows, 2025)["B"]
    assert b["user_years"] == pytest.approx(184 / 365)
    assert b["sustained_seconds"] == 2 * HOUR
    assert report.by_area["urban"].user_years == round(184 / 365, 6)
    assert report.by_area["urban"].saidi_hours == round(2 / (184 / 365), 6)
    assert report.total.user_years == round(1 + 184 / 365, 6)
    assert report.total.saidi_hours == round(2 / (1 + 184 / 365), 6)


def test_a_user_leaving_service_counts_to_the_end_of_its_last_day_and_a_user_never_in_service_not_at_all():
    u = users(
        ("A", "rural", "522601", None, dt.date(2025, 1, 31)),
        ("B", "rural", "522601", None, dt.date(2024, 12, 31)),
    )
    rows = interruptions(
        ("A", at(2025, 1, 31, 23), at(2025, 2, 1, 1)),
        ("B", at(2025, 3, 1, 10), at(2025, 3, 1, 12)),
    )

    assert per_user(u, rows, 2025) == {
        "A": {
            "user_id": "A",
            "area_class": "rural",
            "county": "522601",
            "user_years": 31 / 365,
            "sustained_seconds": HOUR,
            "sustained_count": 1,
            "momentary_count": 0,
        }
    }
    assert engine.compute_year(u, rows, 2025).total.users == 1


def test_a_user_without_interruptions_counts_in_user_years_and_shares():
    u = users(("A", "rural", "522601"), ("B", "rural", "522601"))
    rows = interruptions(*[("A", at(2025, m, 1, 10), at(2025, m, 1, 19)) for m in range(1, 7)])
    f = engine.compute_year(u, rows, 2025).by_area["rural"]

    assert (f.users, f.user_years, f.saidi_hours, f.saifi) == (2, 2.0, 27.0, 3.0)
    assert f.cemi == {"1": 0.5, "2": 0.5, "3": 0.5, "4": 0.5, "5": 0.5}  # A had 6 blocks, B none
    assert f.celid_8h == 0.5  # A lost 54 h


def test_a_leap_year_has_8784_hours():
    rows = interruptions(("A", at(2024, 2, 29, 0), at(2024, 2, 29, 12)))
    report = engine.compute_year(ONE, rows, 2024)

    assert report.hours == 8784
    assert report.total.rs1 == round(1 - 12 / 8784, 6)
    assert report.as_dict()["hours"] == 8784


def test_every_area_class_is_reported_with_nulls_where_no_user_is_in_service():
    report = engine.compute_year(ONE, interruptions(), 2025, targets={"central": 1.9, "rural": 15.0})

    assert list(report.by_area) == ["central", "urban", "town", "rural"]
    central = report.by_area["central"].as_dict()
    assert central == {
        "users": 0,
        "user_years": 0.0,
        "saidi_hours": None,
        "saifi": None,
        "caidi_hours": None,
        "rs1": None,
        "rs2": None,
        "rs3": None,
        "planned_hours": None,
        "fault_hours": None,
        "momentary_count": 0,
        "cemi": None,
        "celid_8h": None,
        "target_hours": 1.9,
        "meets_target": None,
    }
    assert report.by_area["rural"].meets_target is True
    assert report.by_area["urban"].target_hours is None
    assert list(report.by_county) == ["522601"]
    assert report.total.target_hours is None and report.total.meets_target is None


def test_targets_are_met_up_to_and_including_the_target():
    rows = interruptions(("A", at(2025, 3, 1, 0), at(2025, 3, 1, 15)))

    assert engine.compute_year(ONE, rows, 2025, targets={"rural": 15.0}).by_area["rural"].meets_target is True
    assert engine.compute_year(ONE, rows, 2025, targets={"rural": 14.9}).by_area["rural"].meets_target is False


def test_rows_of_users_outside_the_frame_are_left_out_and_counted():
    rows = interruptions(("A", at(2025, 3, 1, 10), at(2025, 3, 1, 11)), ("Z", at(2025, 3, 1, 10), at(2025, 3, 1, 11)))
    report = engine.compute_year(ONE, rows, 2025)

    assert report.unmatched_rows == 1
    assert report.total.saidi_hours == 1.0


def test_a_month_is_a_period_of_its_own():
    rows = interruptions(("A", at(2025, 1, 31, 23), at(2025, 2, 1, 2)))
    report = engine.compute(ONE, rows, start=at(2025, 2, 1), end=at(2025, 3, 1))

    assert report.year is None
    assert report.hours == 28 * 24
    assert (report.total.user_years, report.total.saidi_hours) == (1.0, 2.0)
    assert report.as_dict()["start"] == "2025-02-01T00:00:00+08:00"


def test_fractions_of_a_second_are_dropped_but_the_momentary_test_is_exact():
    start = at(2025, 3, 1, 10)
    rows = interruptions(("A", start, start + dt.timedelta(seconds=180, microseconds=1)))
    row = per_user(ONE, rows, 2025)["A"]

    assert (row["sustained_seconds"], row["sustained_count"], row["momentary_count"]) == (180, 1, 0)


def test_the_period_must_be_aware_and_not_empty():
    with pytest.raises(ValueError, match="aware"):
        engine.compute(ONE, interruptions(), start=dt.datetime(2025, 1, 1), end=dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="end after"):
        engine.compute(ONE, interruptions(), start=at(2025, 1, 1), end=at(2025, 1, 1))


def test_csv_rows_have_one_row_per_scope_with_cemi_spread_out():
    rows = list(engine.compute_year(ONE, interruptions(), 2025).csv_rows())

    assert rows[0][:4] == ["scope", "key", "users", "user_years"]
    assert "cemi_1" in rows[0] and "cemi" not in rows[0]
    assert [r[:2] for r in rows[1:]] == [
        ["area", "central"],
        ["area", "urban"],
        ["area", "town"],
        ["area", "rural"],
        ["county", "522601"],
        ["total", ""],
    ]


def test_rows_far_outside_the_year_are_clipped_to_it_or_left_out():
    rows = interruptions(
        ("A", at(2020, 1, 1), at(2030, 1, 1)),  # covers the whole year
        ("A", at(2019, 1, 1), at(2019, 6, 1)),
        ("A", at(2030, 1, 1), at(2030, 1, 1, 0, 2)),  # momentary, another year
    )
    row = per_user(ONE, rows, 2025)["A"]

    assert (row["sustained_seconds"], row["sustained_count"], row["momentary_count"]) == (8760 * HOUR, 1, 0)
    assert engine.compute_year(ONE, rows, 2025).total.rs1 == 0.0


def test_service_dates_far_from_the_year_count_as_out_of_service():
    u = users(
        ("A", "rural", "522601", dt.date(2100, 1, 1)),
        ("B", "rural", "522601", None, dt.date(1950, 1, 1)),
        ("C", "rural", "522601", dt.date(1950, 1, 1), dt.date(2100, 1, 1)),
    )
    rows = interruptions(*((x, at(2025, 3, 1, 10), at(2025, 3, 1, 11)) for x in "ABC"))

    assert list(per_user(u, rows, 2025)) == ["C"]
    assert engine.compute_year(u, rows, 2025).total.saidi_hours == 1.0


def test_a_figure_exactly_on_its_target_meets_it():
    # Three central users, 5.7 h lost in all: 1.9 h per user, the 2022 central target exactly.
    # 20520 s / 3600 / 3 is 1.9000000000000001 in floats; the verdict must not depend on that.
    three = users(("A", "central", "522601"), ("B", "central", "522601"), ("C", "central", "522601"))
    rows = interruptions(("A", at(2025, 3, 1, 10), at(2025, 3, 1, 15, 42)))
    on_target = engine.compute_year(three, rows, 2025, targets={"central": 1.9}).by_area["central"]
    assert on_target.saidi_hours == 1.9 and on_target.meets_target is True

    over = interruptions(("A", at(2025, 3, 1, 10), at(2025, 3, 1, 15, 42, 1)))
    assert engine.compute_year(three, over, 2025, targets={"central": 1.9}).by_area["central"].meets_target is False
