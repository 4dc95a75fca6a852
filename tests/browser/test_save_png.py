"""Save as PNG: the downloaded picture is the map at its view, with the date and legend stamped on.

The picture is read back with Pillow, pixel by pixel: its size, the date box in its top-left
corner, the actors' colours in the legend (bottom left) and the site markers drawn from the map's
canvases. The stamps' places are those save-png.js documents.
"""

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ARTIFACTS, UI, WIDE, open_ui, serve

RUSSIA = (0xD5, 0x5E, 0x00)
UNITED_STATES = (0x00, 0x72, 0xB2)
INK = (0x1D, 0x1D, 0x1D)
# The date box: 10 px from the corner, 44 px tall, as wide as its text ("Sites on 10 Feb 2026" in
# bold 17 px, then a line of small print): this much of it is text.
DATE_BOX = (12, 12, 320, 52)


def save(ui: UI, name: str) -> tuple[Image.Image, str]:
    """Click "Save as PNG", keep the file under tests/artifacts; the picture and its file name."""
    page = ui.page
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save as PNG").click()
    download = download_info.value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    download.save_as(path)
    with Image.open(path) as image:
        return image.convert("RGB"), download.suggested_filename


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def pixels_like(
    image: Image.Image,
    colour: tuple[int, int, int],
    box: tuple[int, int, int, int],
    tolerance: int = 6,
) -> int:
    """How many pixels inside box (left, top, right, bottom) are within tolerance of colour."""
    data = image.crop(box).tobytes()
    pixels = zip(data[0::3], data[1::3], data[2::3], strict=True)
    return sum(1 for pixel in pixels if near(pixel, colour, tolerance))


def map_size(ui: UI) -> tuple[int, int]:
    size = ui.page.evaluate(
        "(() => { const m = document.getElementById('map');"
        " return [m.clientWidth, m.clientHeight, window.devicePixelRatio]; })()"
    )
    width, height, ratio = size
    return round(width * ratio), round(height * ratio)


def test_saved_png_is_the_map_with_its_date_legend_and_markers(wide: UI) -> None:
    # June 2025: Russia still holds Qamishli airport, in the north-east beside the US bases.
    wide.open("/?date=2025-06-01&actor=russia&actor=united-states")
    # Measured first: the note "Saved …" then takes room from the map.
    size = map_size(wide)
    image, name = save(wide, "save-png-2025-06-01")
    assert name == "orbat-map-2025-06-01-russia-united-states.png"
    assert image.size == size
    width, height = image.size

    # The date is written in the top-left box: dark text on the white panel.
    assert pixels_like(image, INK, DATE_BOX, tolerance=40) > 150

    # The legend (bottom left) shows each chosen actor's colour exactly.
    legend = (0, height // 2, width // 3, height)
    assert pixels_like(image, RUSSIA, legend, tolerance=2) >= 20
    assert pixels_like(image, UNITED_STATES, legend, tolerance=2) >= 20

    # The markers come from the map's canvas: the north-east (right half, away from the legend)
    # holds Russian and US sites, drawn at 0.9 opacity over the basemap.
    north_east = (width // 2, 0, width, height)
    assert pixels_like(image, RUSSIA, north_east, tolerance=30) >= 20
    assert pixels_like(image, UNITED_STATES, north_east, tolerance=30) >= 20
    wide.shot("save-png-page-2025-06-01")


def test_the_stamp_follows_the_date_and_the_legend_the_actor_filter(wide: UI) -> None:
    # Far east of Syria, at a zoom where no Russian site is in view: any Russian colour is the
    # legend's.
    wide.open("/?date=2026-02-10&actor=russia&z=8&lat=33.5&lon=45.5")
    first, _ = save(wide, "save-png-2026-02-10-russia-east")
    width, height = first.size
    everywhere = (0, 0, width, height)
    legend = (0, height // 2, width // 3, height)
    assert pixels_like(first, RUSSIA, legend, tolerance=2) >= 20
    assert pixels_like(first, RUSSIA, everywhere, tolerance=2) == pixels_like(
        first, RUSSIA, legend, tolerance=2
    )
    # Only the chosen actor is in the legend.
    assert pixels_like(first, UNITED_STATES, everywhere, tolerance=2) == 0

    # A year earlier, the same view: the date box is drawn again with other text.
    wide.open("/?date=2025-02-10&actor=russia&z=8&lat=33.5&lon=45.5")
    second, name = save(wide, "save-png-2025-02-10-russia-east")
    assert name == "orbat-map-2025-02-10-russia.png"
    assert first.crop(DATE_BOX).tobytes() != second.crop(DATE_BOX).tobytes()
    expect(wide.page.locator("#share-note")).to_have_text("Saved orbat-map-2025-02-10-russia.png.")


@pytest.fixture
def retina(browser: Browser, base_url: str) -> Iterator[UI]:
    """A 1440 x 900 tab at two device pixels per CSS pixel, its page errors recorded."""
    context = browser.new_context(
        viewport=WIDE, device_scale_factor=2, locale="en-GB", timezone_id="UTC"
    )
    context.set_default_timeout(10_000)
    ui = UI(page=context.new_page(), base_url=base_url)
    ui.page.on("pageerror", lambda error: ui.errors.append(f"pageerror: {error}"))
    ui.page.on(
        "console",
        lambda message: ui.errors.append(message.text) if message.type == "error" else None,
    )
    try:
        yield ui
        ui.assert_clean()
    finally:
        context.close()


def test_saved_png_has_the_screens_pixel_density(retina: UI) -> None:
    retina.open("/?date=2026-02-10")
    css_width, css_height = retina.page.evaluate(
        "[document.getElementById('map').clientWidth, document.getElementById('map').clientHeight]"
    )
    image, name = save(retina, "save-png-retina")
    assert name == "orbat-map-2026-02-10-all-actors.png"
    assert image.size == (2 * css_width, 2 * css_height)
    # Every actor is in the legend when none is chosen.
    width, height = image.size
    legend = (0, height // 2, width // 3, height)
    assert pixels_like(image, RUSSIA, legend, tolerance=2) >= 40
    assert pixels_like(image, UNITED_STATES, legend, tolerance=2) >= 40


def test_save_as_png_on_a_phone(phone: UI) -> None:
    page = phone.open("/?date=2026-02-10&actor=russia&actor=united-states")
    expect(page.get_by_role("button", name="Save as PNG")).to_be_visible()
    size = map_size(phone)
    image, name = save(phone, "save-png-phone")
    phone.shot("save-png-phone-page")
    assert name == "orbat-map-2026-02-10-russia-united-states.png"
    assert image.size == size
    width, height = image.size
    # The legend is lifted above the credit line, which takes the bottom edge on a narrow map.
    legend = (0, 0, width // 2, height)
    assert pixels_like(image, RUSSIA, legend, tolerance=2) >= 20
    assert pixels_like(image, UNITED_STATES, legend, tolerance=2) >= 20
    assert pixels_like(image, INK, DATE_BOX, tolerance=40) > 150


MAGENTA = (0xFF, 0x00, 0xFF)
CLOSED_PORT_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@pytest.fixture
def tiles_ui(browser: Browser, database_url: str, tmp_path: Path) -> Iterator[UI]:
    """A tab on a second server whose remote tiles come from another origin."""
    with serve(
        database_url, tmp_path, ORBAT_REMOTE_TILES="true", ORBAT_TILE_URL=CLOSED_PORT_TILES
    ) as url:
        yield from open_ui(browser, url, WIDE)


def test_remote_tiles_are_left_out_and_the_picture_still_saves(tiles_ui: UI) -> None:
    # Every tile is a magenta square from another origin, as a tile server's would be: drawn
    # into the picture it would make the canvas unexportable.
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), MAGENTA).save(buffer, format="PNG")
    tile = buffer.getvalue()
    page = tiles_ui.page
    page.route(
        "http://127.0.0.1:9/**",
        lambda route: route.fulfill(status=200, body=tile, content_type="image/png"),
    )
    tiles_ui.open("/?date=2026-02-10&actor=russia")
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap")
    on_screen = Image.open(io.BytesIO(page.locator("#map").screenshot())).convert("RGB")
    assert pixels_like(on_screen, MAGENTA, (0, 0, *on_screen.size)) > 1000

    image, name = save(tiles_ui, "save-png-remote-tiles")
    assert name == "orbat-map-2026-02-10-russia.png"
    assert pixels_like(image, MAGENTA, (0, 0, *image.size)) == 0
    # Still the map: the Natural Earth basemap and Russia's sites are drawn.
    width, height = image.size
    assert pixels_like(image, RUSSIA, (width // 3, 0, width, height), tolerance=30) >= 20
    expect(page.locator("#share-note")).to_have_text(f"Saved {name}.")


def test_the_file_name_lists_actors_as_the_exports_do(wide: UI) -> None:
    chosen = ["united-states", "turkey", "syrian-government", "sdf", "russia"]
    wide.open("/?date=2026-01-25&" + "&".join(f"actor={slug}" for slug in chosen))
    _, name = save(wide, "save-png-five-actors")
    # Sorted, the first four named, the rest counted: as deployments-….csv is named.
    assert name == "orbat-map-2026-01-25-russia-sdf-syrian-government-turkey-and-1-more.png"


# The date box's second line (small print under the date).
SMALL_PRINT = (14, 38, 330, 52)


def test_a_date_after_the_data_says_where_the_data_ends(wide: UI) -> None:
    wide.open("/?date=2026-01-10")
    january, _ = save(wide, "save-png-2026-01-10")
    wide.open("/?date=2025-11-10")
    november, _ = save(wide, "save-png-2025-11-10")
    # Within the data the small print is the same words whatever the date...
    assert january.crop(SMALL_PRINT).tobytes() == november.crop(SMALL_PRINT).tobytes()
    # ...while for a date after it the small print says where the data ends, as the page does.
    wide.open("/?date=2030-01-01")
    later, name = save(wide, "save-png-2030-01-01")
    assert name == "orbat-map-2030-01-01-all-actors.png"
    assert later.crop(SMALL_PRINT).tobytes() != january.crop(SMALL_PRINT).tobytes()
