"""The vendored files are the ones scripts/vendor.sh wrote, and the regional basemap cut
(scripts/clip_basemap.py) keeps what lies in the region and nothing else."""

import hashlib
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "static" / "vendor"
REGION = VENDOR / "natural-earth" / "region.json"


def _clip_module():
    spec = importlib.util.spec_from_file_location(
        "clip_basemap", ROOT / "scripts" / "clip_basemap.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


clip = _clip_module()


def test_every_vendored_file_matches_its_recorded_hash() -> None:
    listed = {}
    for row in (VENDOR / "SHA256SUMS").read_text().splitlines():
        digest, name = row.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    assert "natural-earth/region.json" in listed
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_the_region_file_holds_the_towns_of_the_story_biggest_first() -> None:
    region = json.loads(REGION.read_text())
    west, south, east, north = region["bbox"]
    places = region["places"]
    names = [name for _, _, name, _ in places]
    for town in ("Damascus", "Aleppo", "Al Qamishli", "Al Hasakah", "Dayr az Zawr", "Tartus"):
        assert town in names
    assert all(west <= lon <= east and south <= lat <= north for lon, lat, _, _ in places)
    populations = [population for *_, population in places]
    assert populations == sorted(populations, reverse=True)
    assert region["rivers"]["type"] == "MultiLineString" and region["rivers"]["coordinates"]
    assert region["lakes"]["type"] == "MultiPolygon" and region["lakes"]["coordinates"]


def test_arcs_are_decoded_from_deltas_and_quantisation() -> None:
    topology = {
        "transform": {"scale": [0.5, 0.25], "translate": [30, 30]},
        "arcs": [[[0, 0], [2, 4], [2, 0]], [[4, 4], [0, 4]]],
    }
    arcs = clip.decode_arcs(topology)
    assert arcs[0] == [[30, 30], [31, 31], [32, 31]]
    # Arc 1 continues where arc 0 ends; reversed (~1) it runs back to that point.
    assert clip.line(arcs, [0, 1]) == [[30, 30], [31, 31], [32, 31], [32, 32]]
    assert clip.line(arcs, [~1]) == [[32, 32], [32, 31]]


def test_a_line_is_cut_at_the_box_keeping_one_point_beyond_each_edge() -> None:
    west, south, east, north = clip.BBOX
    mid = (south + north) / 2
    far_west, far_east = west - 5, east + 5
    line = [[far_west - 1, mid], [far_west, mid], [west + 1, mid], [east - 1, mid], [far_east, mid]]
    assert clip.clip_line(line) == [
        [[far_west, mid], [west + 1, mid], [east - 1, mid], [far_east, mid]]
    ]
    # Wholly outside: nothing.
    assert clip.clip_line([[far_west - 1, mid], [far_west, mid]]) == []
