"""The prefecture's 16 counties as a server-side SVG map (no JavaScript, no tiles, no CDN).

Use::

    from bandian.core.countymap import CountyStyle, county_map

    svg = county_map(
        {"522601": CountyStyle(fill="#1a7f37", label="凯里市：余量充足", href="/public/capacity/?county=522601")},
        title="各县市接入能力",
        legend=[("#1a7f37", "充足"), ("#c0392b", "受限")],
    )
    # in a template: {{ svg|safe }} -- the function escapes every text and attribute it is given.

Each county is one ``<path>`` with ``id="county-<adcode>"`` and ``data-adcode``, carrying a
``<title>`` (its name, or the given label: the tooltip and the accessible name). A county with an
``href`` is wrapped in an ``<a>`` (keyboard-focusable, named by its label). Counties not in
``styles`` are drawn in ``default_fill``. Colour never carries meaning alone: pass a label that
says what the colour says, and a legend. The ``<svg>`` has a ``viewBox`` and
``width="100%"`` so it scales to its container; ``role="img"`` when nothing in it is a link,
``role="group"`` (with ``aria-label``) when the links must stay reachable.

The boundaries are ``data/qiandongnan-counties.geojson`` (see ``data/README.md`` for the source
and its licence): GCJ-02 longitude/latitude, drawn equirectangular with the longitude scaled by
the cosine of the map's middle latitude, north up. The codes and names are those of
``accounts.County`` and the policy's ``[counties]`` (a test checks that they match).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

GEOJSON = Path(__file__).resolve().parent.parent.parent / "data" / "qiandongnan-counties.geojson"

WIDTH = 600  # the viewBox's width; the height follows the map's aspect
MARGIN = 6
DEFAULT_FILL = "#e1e6eb"
STROKE = "#ffffff"
LABEL_HALO = 'stroke="#fff" stroke-width="3" paint-order="stroke"'

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class CountyShape:
    """One county: its code, name, its rings (lon, lat; outer and holes) and its label point."""

    adcode: str
    name: str
    rings: tuple[Ring, ...]
    label_at: tuple[float, float]


@dataclass(frozen=True)
class CountyStyle:
    """How one county is drawn: its fill, the label (tooltip and accessible name; default its
    name), an optional link and an optional CSS class."""

    fill: str = DEFAULT_FILL
    label: str = ""
    href: str = ""
    css_class: str = ""


def _rings(geometry: Mapping) -> list[Ring]:
    kind, coords = geometry["type"], geometry["coordinates"]
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else None
    if polygons is None:
        raise ValueError(f"unsupported geometry {kind!r}")
    return [tuple((float(x), float(y)) for x, y, *_ in ring) for polygon in polygons for ring in polygon]


def _area_centroid(ring: Ring) -> tuple[float, float, float]:
    """Signed area and centroid of one closed ring (the shoelace formula)."""
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if a == 0:
        return 0.0, ring[0][0], ring[0][1]
    return a / 2, cx / (3 * a), cy / (3 * a)


@lru_cache(maxsize=4)
def load_counties(path: Path = GEOJSON) -> tuple[CountyShape, ...]:
    """The counties of the GeoJSON file, in adcode order (read once per process)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    shapes = []
    for feature in doc["features"]:
        props = feature["properties"]
        rings = _rings(feature["geometry"])
        # The label sits at the centroid of the largest ring (a MultiPolygon's main part).
        _, lx, ly = max((_area_centroid(r) for r in rings), key=lambda t: abs(t[0]))
        shapes.append(CountyShape(str(props["adcode"]), str(props["name"]), tuple(rings), (lx, ly)))
    return tuple(sorted(shapes, key=lambda s: s.adcode))


@dataclass(frozen=True)
class _Projection:
    lon0: float
    lat1: float  # the northern edge
    kx: float  # the cosine of the middle latitude
    scale: float
    height: float

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return MARGIN + (lon - self.lon0) * self.kx * self.scale, MARGIN + (self.lat1 - lat) * self.scale


def _projection(shapes: Iterable[CountyShape]) -> _Projection:
    points = [p for s in shapes for r in s.rings for p in r]
    lon0, lon1 = min(p[0] for p in points), max(p[0] for p in points)
    lat0, lat1 = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    scale = (WIDTH - 2 * MARGIN) / ((lon1 - lon0) * kx)
    return _Projection(lon0, lat1, kx, scale, (lat1 - lat0) * scale + 2 * MARGIN)


def _path_data(shape: CountyShape, project: _Projection) -> str:
    parts = []
    for ring in shape.rings:
        xy = [project(lon, lat) for lon, lat in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def county_map(
    styles: Mapping[str, CountyStyle],
    *,
    title: str,
    legend: Sequence[tuple[str, str]] = (),
    show_names: bool = True,
    default_fill: str = DEFAULT_FILL,
    css_class: str = "county-map",
    shapes: Sequence[CountyShape] | None = None,
) -> str:
    """The map as one ``<svg>`` element: every county of ``shapes`` (default: the prefecture's
    16), styled by ``styles`` (keyed by adcode), with the ``title``, the county names on the map
    when ``show_names``, and the ``legend`` (colour, words) below it."""
    shapes = load_counties() if shapes is None else shapes
    unknown = set(styles) - {s.adcode for s in shapes}
    if unknown:
        raise ValueError(f"no such county on the map: {', '.join(sorted(unknown))}")
    project = _projection(shapes)
    legend_h = 22 * len(legend) + (8 if legend else 0)
    height = project.height + legend_h
    linked = any(style.href for style in styles.values())
    role = 'role="group"' if linked else 'role="img"'
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
        f'preserveAspectRatio="xMidYMid meet" {role} aria-label="{escape(title)}" class="{escape(css_class)}" '
        'font-size="13">',
        f"<title>{escape(title)}</title>",
    ]
    names: list[str] = []
    for shape in shapes:
        style = styles.get(shape.adcode, CountyStyle(fill=default_fill))
        label = style.label or shape.name
        cls = f' class="{escape(style.css_class)}"' if style.css_class else ""
        path = (
            f'<path id="county-{escape(shape.adcode)}" data-adcode="{escape(shape.adcode)}"{cls} '
            f'd="{_path_data(shape, project)}" fill="{escape(style.fill)}" stroke="{STROKE}" '
            f'stroke-width="1.2" stroke-linejoin="round"><title>{escape(label)}</title></path>'
        )
        if style.href:
            path = f'<a href="{escape(style.href)}" aria-label="{escape(label)}">{path}</a>'
        out.append(path)
        if show_names:
            x, y = project(*shape.label_at)
            names.append(
                f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" {LABEL_HALO} aria-hidden="true" '
                f'pointer-events="none">{escape(shape.name)}</text>'
            )
    out.extend(names)
    for i, (colour, words) in enumerate(legend):
        y = project.height + 8 + 22 * i
        out.append(
            f'<rect x="{MARGIN}" y="{y:.0f}" width="16" height="16" fill="{escape(colour)}" stroke="#57606a"/>'
            f'<text x="{MARGIN + 24}" y="{y + 13:.0f}">{escape(words)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
