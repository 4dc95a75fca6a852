"""Colour that never lies (issue 9, item 5): every actor stays distinguishable in every state.

The styles are the page's own (ringStyle from static/js/layers.js) and the colours the API's, so
the test checks what is drawn. Each fill is composited over the offline basemap's land colour and
compared with CIEDE2000 (implemented here, checked against Sharma, Wu and Dalal's published test
pairs). The threshold and why: docs/colours.md.
"""

import itertools
import math

import pytest

from tests.browser.conftest import UI

# The offline basemap's land fill (static/js/basemap.js): what a marker's fill is seen over.
LAND = "#f3f0e8"
# ΔE00 below which two actors' marks may be taken for one another (docs/colours.md).
MIN_DELTA_E = 10.0
# ΔE00 below which a mark would melt into the land around it.
MIN_DELTA_E_LAND = 15.0
STATUSES = ("active", "drawdown", "contested", "withdrawn")
DOUBTS: tuple[dict[str, bool], ...] = (
    {},
    {"low": True},
    {"uncertain": True},
    {"low": True, "uncertain": True},
)
Lab = tuple[float, float, float]


def hex_rgb(color: str) -> tuple[float, float, float]:
    color = color.lstrip("#")
    return tuple(int(color[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def rgb_to_lab(rgb: tuple[float, float, float]) -> Lab:
    """sRGB (0–1, gamma-encoded) to CIELAB under D65."""
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1: Lab, lab2: Lab) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), after Sharma, Wu and Dalal (2005)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl = l2 - l1
    dc = c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    else:
        dh = h2p - h1p
        if dh > 180:
            dh -= 360
        elif dh < -180:
            dh += 360
    dH = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        h_mean = (h1p + h2p + 360) / 2
    else:
        h_mean = (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    d_theta = 30 * math.exp(-(((h_mean - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
    sl = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    sc = 1 + 0.045 * cp_mean
    sh = 1 + 0.015 * cp_mean * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dH / sh) ** 2 + rt * (dc / sc) * (dH / sh))


def over_land(color: str, opacity: float) -> Lab:
    """The colour seen where a fill of this opacity is drawn over the land."""
    fill, land = hex_rgb(color), hex_rgb(LAND)
    return rgb_to_lab(
        tuple(opacity * f + (1 - opacity) * g for f, g in zip(fill, land, strict=True))  # type: ignore[arg-type]
    )


# Seven pairs from the test data of Sharma, Wu and Dalal, "The CIEDE2000 color-difference
# formula" (2005), table 1, among them the hue-angle edge cases near a* = 0.
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.001), 7.1792),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA_PAIRS)
def test_ciede2000_matches_the_published_test_pairs(lab1: Lab, lab2: Lab, expected: float) -> None:
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_srgb_to_lab_matches_reference_values() -> None:
    # White is L* 100; sRGB red is (53.24, 80.09, 67.20) under D65.
    assert rgb_to_lab((1.0, 1.0, 1.0)) == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    assert rgb_to_lab((1.0, 0.0, 0.0)) == pytest.approx((53.24, 80.09, 67.20), abs=0.02)


def page_styles(ui: UI) -> tuple[dict[str, str], list[dict]]:  # type: ignore[type-arg]
    """The actors' colours from the API and ringStyle for every actor, status and doubt."""
    page = ui.open("/")
    answer = page.request.get(f"{ui.base_url}/api/v1/actors")
    assert answer.ok, answer.text()
    colours = {actor["slug"]: actor["color"] for actor in answer.json()}
    assert len(colours) >= 2
    styles = page.evaluate(
        """async ([colours, statuses, doubts]) => {
            const { ringStyle } = await import("/static/js/layers.js");
            const drawn = [];
            for (const [actor, color] of Object.entries(colours)) {
                for (const status of statuses) {
                    for (const doubt of doubts) {
                        const style = ringStyle(color, status, doubt);
                        drawn.push({ actor, status, doubt, style });
                    }
                }
            }
            return drawn;
        }""",
        [colours, list(STATUSES), list(DOUBTS)],
    )
    return colours, styles


def test_every_pair_of_actors_differs_in_every_state_they_are_drawn_in(ui: UI) -> None:
    colours, styles = page_styles(ui)
    coloured = [s for s in styles if s["style"]["fillOpacity"] > 0]
    seen = {
        (s["actor"], s["status"], str(s["doubt"])): over_land(
            s["style"]["fillColor"], s["style"]["fillOpacity"]
        )
        for s in coloured
    }
    worst: tuple[float, object] = (math.inf, None)
    for (key1, lab1), (key2, lab2) in itertools.combinations(seen.items(), 2):
        if key1[0] == key2[0]:
            continue
        difference = ciede2000(lab1, lab2)
        if difference < worst[0]:
            worst = (difference, (key1, key2))
    assert worst[0] >= MIN_DELTA_E, f"ΔE00 {worst[0]:.1f} between {worst[1]}"
    # Nor does any actor's mark melt into the land.
    land = rgb_to_lab(hex_rgb(LAND))
    for key, lab in seen.items():
        assert ciede2000(lab, land) >= MIN_DELTA_E_LAND, key
    # Every actor's colour is drawn in some state: the check above saw each of them.
    assert {key[0] for key in seen} == set(colours)


def test_doubt_is_a_mark_not_a_paler_fill(ui: UI) -> None:
    _, styles = page_styles(ui)
    plain = {(s["actor"], s["status"]): s["style"] for s in styles if not s["doubt"]}
    for s in styles:
        # Low confidence and uncertain dates leave the fill and the status dash as they are.
        assert s["style"] == plain[(s["actor"], s["status"])], (s["actor"], s["status"], s["doubt"])
    mark = ui.page.evaluate("""async () => (await import("/static/js/layers.js")).doubtStyle(12)""")
    # Low confidence has its own mark: a white dotted ring inside the actor's, not filled.
    assert mark["fill"] is False
    assert mark["color"] == "#ffffff"
    assert mark["dashArray"]
    assert mark["radius"] < 12


def test_withdrawn_is_colour_free_by_design(ui: UI) -> None:
    colours, styles = page_styles(ui)
    withdrawn = [s["style"] for s in styles if s["status"] == "withdrawn"]
    assert len(withdrawn) == len(colours) * len(DOUBTS)
    # Hollow and grey whoever left: it can never be read as another actor's colour.
    assert all(style["fillOpacity"] == 0 for style in withdrawn)
    assert len({style["color"] for style in withdrawn}) == 1


def test_a_low_confidence_site_shows_its_question_mark(ui: UI) -> None:
    # Kobani, Sarrin and Ayn Issa are held on low-confidence records on 10 Jan 2026.
    page = ui.open("/?date=2026-01-10")
    assert page.locator(".low-confidence-mark").count() >= 1
    ui.shot("colours-low-confidence")
