"""The county map: the shipped boundaries are the prefecture's 16 counties, drawn as one path each."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from bandian.accounts.models import County
from bandian.core.countymap import CountyShape, CountyStyle, county_map, load_counties
from bandian.policy.loader import active_policy

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


@pytest.mark.django_db
def test_the_map_has_exactly_the_counties_of_the_database_and_the_policy():
    shapes = {s.adcode: s.name for s in load_counties()}
    assert len(shapes) == 16
    assert shapes == dict(County.objects.values_list("adcode", "name"))
    assert shapes == active_policy().counties


def test_one_path_per_county_with_its_fill_title_and_link():
    svg = county_map(
        {
            "522601": CountyStyle(fill="#1a7f37", label="凯里市：余量充足", href="/public/capacity/?county=522601"),
            "522622": CountyStyle(fill="#c0392b", label="黄平县：受限"),
        },
        title="接入能力 <地图>",
        legend=[("#1a7f37", "充足"), ("#c0392b", "受限")],
    )
    root = parse(svg)
    assert root.get("viewBox", "").startswith("0 0 600 ")
    assert root.get("width") == "100%"
    assert root.get("role") == "group"  # links inside must stay reachable
    assert root.find(f"{SVG}title").text == "接入能力 <地图>"  # escaped in the markup, whole when parsed
    paths = {p.get("data-adcode"): p for p in root.iter(f"{SVG}path")}
    assert len(paths) == 16
    assert paths["522601"].get("fill") == "#1a7f37"
    assert paths["522601"].find(f"{SVG}title").text == "凯里市：余量充足"
    assert paths["522622"].get("fill") == "#c0392b"
    assert paths["522623"].find(f"{SVG}title").text == "施秉县"  # unstyled: its name, the default fill
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["/public/capacity/?county=522601"]
    assert links[0].get("aria-label") == "凯里市：余量充足"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "凯里市" in texts and "丹寨县" in texts and "充足" in texts and "受限" in texts
    assert "<script" not in svg and "style=" not in svg  # no script, nothing the CSP would refuse


def test_without_links_the_map_is_one_image():
    root = parse(county_map({}, title="t", show_names=False))
    assert root.get("role") == "img"
    assert root.findall(f"{SVG}a") == [] and list(root.iter(f"{SVG}text")) == []


def test_a_county_not_on_the_map_is_refused():
    with pytest.raises(ValueError, match="999999"):
        county_map({"999999": CountyStyle(fill="#000")}, title="t")


def test_north_is_up_and_longitude_is_scaled():
    """Two unit squares, one north of the other at 60°: the northern one is drawn above, and every
    square is half as wide as it is tall (cos 60° = 0.5)."""
    square = lambda lon, lat: ((lon, lat), (lon + 1, lat), (lon + 1, lat + 1), (lon, lat + 1), (lon, lat))  # noqa: E731
    shapes = [
        CountyShape("000001", "south", (square(0, 59.5),), (0.5, 60)),
        CountyShape("000002", "north", (square(0, 60.5),), (0.5, 61)),
    ]
    root = parse(county_map({}, title="t", shapes=shapes, show_names=False))
    ys = {}
    for p in root.iter(f"{SVG}path"):
        pts = [tuple(map(float, xy.split(","))) for xy in re.findall(r"[-\d.]+,[-\d.]+", p.get("d"))]
        xs = [x for x, _ in pts]
        ys[p.get("data-adcode")] = [y for _, y in pts]
        width, height = max(xs) - min(xs), max(ys[p.get("data-adcode")]) - min(ys[p.get("data-adcode")])
        assert width == pytest.approx(height * 0.5, rel=0.02)
    assert max(ys["000002"]) <= min(ys["000001"]) + 0.1
