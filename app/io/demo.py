"""Synthetic datasets in the exchange format (docs/format.md), for trying Orbat Map at scale.

`write_demo` writes a bundle that `orbat import --strict` accepts: invented actors (no real
states), sites clustered around a few hundred hub bases, forces (some of them detachments of
another) that move from site to site through consecutive, never overlapping deployments with
status changes, movements dated at the boundaries between those deployments, events at sites, and
sources (some relaying an earlier one) with citations: every deployment, movement and event rests
on at least one supporting citation, and its confidence is low when all of them are graded D-F.

Everything is drawn from one `random.Random(seed)`, so a seed always gives the same bytes. Rows
are written as they are made; what is kept in memory is per site, force and source (compact
arrays for the sources), never per deployment, so a world-sized bundle (a million deployments)
streams in constant memory per row.
"""

import bisect
import csv
import datetime as dt
import itertools
import math
import random
import re
import shutil
import tempfile
import zipfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from app.dates import period_end
from app.io.csv_safety import neutralise
from app.validation import FILES

# (west, east, south, north) in degrees.
Box = tuple[float, float, float, float]

SMALL_BOXES: tuple[Box, ...] = ((35.7, 42.3, 32.5, 37.2),)
THEATRE_BOXES: tuple[Box, ...] = ((25.0, 45.0, 28.0, 42.0),)
# Rough boxes over land on every inhabited continent.
WORLD_BOXES: tuple[Box, ...] = (
    (-10.0, 30.0, 36.0, 58.0),
    (-15.0, 35.0, 5.0, 32.0),
    (12.0, 40.0, -30.0, 5.0),
    (35.0, 60.0, 15.0, 40.0),
    (60.0, 90.0, 20.0, 45.0),
    (95.0, 120.0, 22.0, 45.0),
    (98.0, 108.0, 10.0, 22.0),
    (40.0, 130.0, 48.0, 65.0),
    (-120.0, -85.0, 30.0, 50.0),
    (-75.0, -45.0, -35.0, -5.0),
    (115.0, 150.0, -35.0, -20.0),
)


@dataclass(frozen=True)
class Preset:
    """How much to generate, and where the sites lie."""

    actors: int
    sites: int
    forces: int
    deployments: int
    movements: int
    events: int
    boxes: tuple[Box, ...] = THEATRE_BOXES


PRESETS: dict[str, Preset] = {
    "small": Preset(6, 30, 50, 60, 10, 90, SMALL_BOXES),
    "theatre": Preset(12, 1_000, 3_000, 100_000, 10_000, 5_000, THEATRE_BOXES),
    "world": Preset(20, 10_000, 30_000, 1_000_000, 100_000, 50_000, WORLD_BOXES),
}
COUNTS = ("actors", "sites", "forces", "deployments", "movements", "events")

# The most deployments one force gets: each needs some days of the timeline.
MAX_ROWS_PER_FORCE = 1_000
# The day the generated history reaches: a fixed date, so a seed gives the same bytes every day.
HORIZON = dt.date(2026, 3, 1).toordinal()
EVENTS_FROM = dt.date(2000, 1, 1).toordinal()
SOURCES_FROM = dt.date(1998, 1, 1).toordinal()
# A record cites sources published on or after its date, among the next this many.
SOURCE_WINDOW = 40
RECORDS_PER_SOURCE = 5
GRADES = "ABCDEF"
WEAK = 3  # D, E and F


def preset_with(preset: Preset, **counts: int | None) -> Preset:
    """The preset with the counts given (not None) in place of its own."""
    given: dict[str, Any] = {name: value for name, value in counts.items() if value is not None}
    unknown = set(given) - set(COUNTS)
    if unknown:
        raise ValueError(f"unknown count(s): {', '.join(sorted(unknown))}")
    return replace(preset, **given)


def check_preset(preset: Preset) -> None:
    """Refuse counts that cannot make a consistent dataset; the message says what to change."""
    for name in COUNTS:
        if getattr(preset, name) < 0:
            raise ValueError(f"--{name} must not be negative")
    if preset.forces and not preset.actors:
        raise ValueError("forces need actors: give --actors 1 or more")
    if preset.deployments and not (preset.forces and preset.sites):
        raise ValueError("deployments need forces and sites: give --forces and --sites")
    if preset.movements > preset.deployments:
        raise ValueError(
            "each movement leaves a deployment: --movements may be at most --deployments"
        )
    if preset.movements and preset.sites < 2:
        raise ValueError("movements go between sites: give --sites 2 or more")
    if preset.deployments > preset.forces * MAX_ROWS_PER_FORCE:
        raise ValueError(
            f"at most {MAX_ROWS_PER_FORCE} deployments per force: give --forces"
            f" {math.ceil(preset.deployments / MAX_ROWS_PER_FORCE)} or more"
        )
    if not preset.boxes:
        raise ValueError("the preset has no region to put sites in")


# --- Names ---------------------------------------------------------------------------------------

ROOTS = (
    "Arvenia", "Talmora", "Veskaria", "Dravonia", "Kelmaris", "Sorvath", "Ostrelia", "Brennmark",
    "Calvessa", "Dunmere", "Eskaran", "Fennoria", "Galdovar", "Harrowen", "Istrevia", "Jorvane",
    "Korsavia", "Lunavel", "Marrenstad", "Norvessa", "Pellaria", "Quorvan", "Rhovenia", "Saldane",
    "Tervagne", "Ulmera", "Varnholt", "Wesmarch", "Zarovia", "Yllemar",
)  # fmt: skip
ACTOR_KINDS = ("state", "state", "armed_group", "state", "coalition", "armed_group", "state",
               "other", "state", "armed_group")  # fmt: skip
ACTOR_FORMS = {
    "state": ("Republic of {r}", "Kingdom of {r}", "Federal Republic of {r}", "{r} Federation"),
    "armed_group": (
        "{r} Liberation Front", "{r} Popular Defence Units", "Free {r} Army",
        "{r} Self-Defence Forces",
    ),
    "coalition": ("{r} Accord Coalition", "Joint Task Force {r}", "{r} Treaty Alliance"),
    "other": ("{r} Security Group", "Observer Mission in {r}"),
}  # fmt: skip
ACTOR_WEIGHTS = {"state": 3.0, "armed_group": 1.5, "coalition": 1.0, "other": 0.5}
PALETTE = (
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#f0e442", "#000000",
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#7f3c8d", "#11a579",
)  # fmt: skip

ONSETS = ("b", "d", "f", "g", "h", "k", "kh", "l", "m", "n", "q", "r", "s", "sh", "t", "v", "z",
          "j", "y", "w")  # fmt: skip
VOWELS = ("a", "e", "i", "o", "u", "ei", "ou", "ai", "a", "e", "i", "o")
CODAS = ("", "", "", "n", "r", "l", "m", "s", "t", "k", "sh", "b", "d", "z", "m", "r")
# Transliteration variants, as the same place is spelt by different outlets.
VARIANTS = (
    ("kh", "h"), ("q", "k"), ("ei", "ey"), ("ou", "u"), ("ai", "ay"), ("j", "dj"), ("sh", "ch"),
    ("y", "i"), ("w", "v"), ("z", "s"), ("k", "c"),
)  # fmt: skip

HUB_KINDS = (("air_base", 35), ("base", 35), ("naval_base", 15), ("airport", 15))
SITE_KINDS = (
    ("outpost", 26), ("town", 20), ("base", 10), ("city", 5), ("oil_field", 8), ("crossing", 8),
    ("airport", 5), ("air_base", 6), ("naval_base", 3), ("other", 9),
)  # fmt: skip
SITE_FORMS = {
    "air_base": ("{p} Air Base", "{p} Airfield"),
    "naval_base": ("{p} Naval Base", "Port {p} naval facility"),
    "airport": ("{p} International Airport", "{p} Airport"),
    "base": ("Camp {p}", "{p} Military Base", "{p} Garrison"),
    "outpost": ("{p} Outpost", "Observation Post {p}", "{p} Checkpoint"),
    "town": ("{p}",),
    "city": ("{p}",),
    "oil_field": ("{p} Oil Field", "{p} Gas Field"),
    "crossing": ("{p} Border Crossing", "{p} Bridge"),
    "other": ("{p} Dam", "{p} Radar Station", "{p} Depot"),
}
# User-assigned ISO 3166 codes: invented host countries get codes no real state has.
COUNTRIES = tuple(f"X{c}" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ") + tuple(
    f"Q{c}" for c in "MNOPQRSTUVWXYZ"
)
REGION_WORDS = ("Province", "Governorate", "Region", "District")

BRANCHES_BY_KIND = {
    "state": (("air", 20), ("naval", 10), ("ground", 35), ("military_police", 8),
              ("special", 8), ("air_defence", 9), ("mixed", 10)),
    "armed_group": (("ground", 70), ("special", 15), ("mixed", 15)),
    "coalition": (("air", 25), ("ground", 25), ("mixed", 35), ("naval", 15)),
    "other": (("ground", 40), ("mixed", 40), ("special", 20)),
}  # fmt: skip
FORCE_TYPES = {
    "air": ("Expeditionary Air Group", "Helicopter Squadron", "Fighter Wing", "Transport Flight"),
    "naval": ("Naval Task Group", "Naval Logistics Point", "Patrol Boat Flotilla"),
    "ground": ("Mechanised Brigade", "Infantry Battalion", "Armoured Regiment", "Artillery Group",
               "Engineer Battalion"),
    "military_police": ("Military Police Battalion", "Military Police Company"),
    "special": ("Special Operations Task Force", "Reconnaissance Group"),
    "air_defence": ("Air Defence Battalion", "Surface-to-Air Missile Battery"),
    "mixed": ("Joint Task Force", "Advisory Mission", "Training Mission", "Logistics Group"),
}  # fmt: skip
STRENGTHS = {
    "air": ("{a} fighter aircraft, {b} helicopters", "{a} attack helicopters", "{b} drones"),
    "naval": ("{a} frigates, {b} support ships", "{b} patrol boats", "1 submarine"),
    "ground": ("about {c} troops", "about {c} troops, {b} armoured vehicles", "a battalion"),
    "military_police": ("about {d} military police", "{b} patrol vehicles"),
    "special": ("a small team", "about {d} operators"),
    "air_defence": ("{a} launchers and 1 radar", "{b} short-range systems"),
    "mixed": ("about {c} personnel", "about {d} advisers"),
}
MOVES = {
    "air": "Aircraft and ground crew of the {f} flown from {a} to {b}.",
    "naval": "Ships of the {f} sailed from {a} to {b}.",
    "ground": "Convoy of the {f} moved by road from {a} to {b}.",
    "military_police": "Military police of the {f} redeployed from {a} to {b}.",
    "special": "Teams of the {f} moved from {a} to {b}.",
    "air_defence": "Launchers and radars of the {f} relocated from {a} to {b}.",
    "mixed": "Personnel and equipment of the {f} moved from {a} to {b}.",
}
EVENT_KINDS = (
    ("agreement", 8), ("ceasefire", 6), ("offensive", 10), ("base_established", 14),
    ("withdrawal", 10), ("transfer_of_territory", 6), ("government_regains_territory", 4),
    ("statement", 14), ("patrol", 16), ("political", 6), ("other", 6),
)  # fmt: skip
EVENT_TITLES = {
    "agreement": "{a} and the host government sign a basing agreement for {s}",
    "ceasefire": "Ceasefire agreed around {s}",
    "offensive": "{a} launches an offensive towards {s}",
    "base_established": "{a} establishes a base at {s}",
    "withdrawal": "{a} announces a withdrawal from {s}",
    "transfer_of_territory": "{s} handed over to {a}",
    "government_regains_territory": "Host government regains control of {s}",
    "statement": "{a} statement on its presence at {s}",
    "patrol": "Patrol by {a} near {s}",
    "political": "Talks on the future of {s}",
    "other": "Incident reported at {s}",
}
EVENT_WORDS = {
    "agreement": "agreement",
    "ceasefire": "ceasefire",
    "offensive": "offensive",
    "base_established": "base",
    "withdrawal": "withdrawal",
    "transfer_of_territory": "handover",
    "government_regains_territory": "regained",
    "statement": "statement",
    "patrol": "patrol",
    "political": "talks",
    "other": "incident",
}
# (name, grade weights A..F, scale, share of the reporting); each actor's own outlets are added
# per dataset with a share of 1.
PUBLISHERS = (
    ("Meridian Wire", (40, 45, 12, 3, 0, 0), "international", 5.0),
    ("Continental Press Agency", (20, 50, 25, 5, 0, 0), "international", 4.0),
    ("Orbital Lens Imagery", (55, 35, 10, 0, 0, 0), "international", 2.0),
    ("Horizon Broadcasting", (5, 40, 40, 12, 3, 0), "international", 3.0),
    ("Defence Observer Weekly", (10, 45, 35, 10, 0, 0), "international", 2.0),
    ("The Frontier Ledger", (0, 20, 50, 25, 5, 0), "regional", 2.0),
    ("Coastline Daily", (0, 10, 50, 30, 10, 0), "national", 2.0),
    ("Conflict Monitor Network", (0, 10, 40, 35, 10, 5), "regional", 2.0),
    ("Open Source Tracking Collective", (0, 15, 40, 30, 10, 5), "international", 2.0),
    ("Local Voices Network", (0, 0, 15, 40, 35, 10), "local", 1.5),
    ("Valley Radio", (0, 0, 20, 45, 25, 10), "subnational", 1.0),
    ("Channel 7 Relay", (0, 0, 0, 20, 45, 35), "local", 1.0),
    ("Unattributed social media posts", (0, 0, 0, 5, 35, 60), "other", 1.0),
)
SOURCE_TITLES = (
    "Satellite images show new activity at {s}",
    "{a} forces reported at {s}",
    "Convoy seen moving near {s}",
    "{a} defence ministry statement on deployments",
    "Residents describe military traffic around {s}",
    "Analysts track {a} build-up near {s}",
    "Aircraft movements reported at {s}",
    "{a} confirms rotation of troops at {s}",
)


def _word(rng: random.Random, syllables: int) -> str:
    while True:
        text = "".join(
            rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(syllables)
        )
        if 4 <= len(text) <= 14:
            return text.capitalize()


def _place(rng: random.Random) -> str:
    word = _word(rng, rng.choice((2, 2, 3)))
    roll = rng.random()
    if roll < 0.06:
        return f"Upper {word}"
    if roll < 0.12:
        return f"{word} {_word(rng, 2)}"
    return word


def variants(name: str) -> list[str]:
    """Other plausible spellings of a place name, as different outlets transliterate it."""
    lower = name.lower()
    found: list[str] = []
    for old, new in VARIANTS:
        if old in lower:
            spelt = " ".join(part.capitalize() for part in lower.replace(old, new).split(" "))
            if spelt != name and spelt not in found:
                found.append(spelt)
    return found


_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# What a cell must start with for `neutralise` to guard it; any other cell is left as it is.
_GUARDED_STARTS = frozenset("=+-@\t\r'")


def slugify(text: str, limit: int = 50) -> str:
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:limit].strip("-") or "x"


def text_cell(text: str) -> str:
    """A free-text cell guarded as exports guard it (`neutralise`), quickly past safe starts."""
    return neutralise(text) if text[:1] in _GUARDED_STARTS else text


def _pick(cumulative: list[float], roll: float) -> int:
    """An index drawn by cumulative weights, as random.choices draws it, from one roll."""
    return bisect.bisect(cumulative, roll * cumulative[-1], 0, len(cumulative) - 1)


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate = f"{slug}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[list[str], list[float]]:
    names = [p[0] for p in pairs]
    total = 0.0
    cumulative: list[float] = []
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return names, cumulative


# --- Dates ---------------------------------------------------------------------------------------


class _Days(dict[int, str]):
    """ISO text of day numbers (proleptic ordinals), as `days[n]`: the same days recur a million
    times, so each is formatted once."""

    def __missing__(self, day: int) -> str:
        text = self[day] = dt.date.fromordinal(day).isoformat()
        return text


def period_start(day: int, precision: str) -> int:
    """The first day of the week (Monday), month or year holding `day`."""
    if precision == "week":
        return day - (day - 1) % 7
    date = dt.date.fromordinal(day)
    if precision == "month":
        return date.replace(day=1).toordinal()
    if precision == "year":
        return dt.date(date.year, 1, 1).toordinal()
    return day


def next_period_start(day: int, precision: str) -> int:
    """The first day of a period at this precision on or after `day`."""
    start = period_start(day, precision)
    return start if start == day else _after(start, precision)


def _after(day: int, precision: str) -> int:
    """The day after the period at this precision starting on `day` (exclusive end)."""
    return period_end(dt.date.fromordinal(day), precision).toordinal()


# --- The bundle ----------------------------------------------------------------------------------


class _Writers:
    """One csv.writer per file of the format, its header written."""

    def __init__(self, folder: Path) -> None:
        self.handles: list[IO[str]] = []
        self.rows: dict[str, Callable[[list[str]], object]] = {}
        for name, columns in FILES.items():
            handle = open(  # noqa: SIM115 - closed in close()
                folder / name, "w", encoding="utf-8", newline="", buffering=1 << 20
            )
            self.handles.append(handle)
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([c.name for c in columns])
            self.rows[name] = writer.writerow

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


@dataclass
class _Sites:
    slugs: list[str]
    names: list[str]
    cluster: list[int]
    members: list[list[int]]  # sites of each hub's cluster
    naval: list[int]
    air: list[int]
    hub_places: list[str]


@dataclass
class _Forces:
    slugs: list[str]
    names: list[str]
    actor: list[int]
    branch: list[str]
    home: list[int]  # a hub


@dataclass
class _Sources:
    slugs: list[str]
    days: array  # publication day of each, ascending
    grades: bytearray  # 0 = A ... 5 = F


def write_demo(path: Path, preset: Preset, seed: int = 1) -> dict[str, int]:
    """Write a synthetic dataset to a folder, or to a .zip when the path ends so.

    Returns the number of rows written to each file. Raises ValueError for counts that cannot
    make a consistent dataset (see check_preset).
    """
    check_preset(preset)
    if path.suffix.lower() != ".zip":
        path.mkdir(parents=True, exist_ok=True)
        return _write_folder(path, preset, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".demo-") as tmp:
        counts = _write_folder(Path(tmp), preset, seed)
        partial = Path(tmp) / "bundle.zip"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in FILES:
                # A fixed timestamp, so the same seed gives the same bytes in a zip too.
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(Path(tmp) / name, "rb") as src, archive.open(info, "w") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
        # Only a finished archive takes the name: a failure leaves no half-written zip.
        partial.replace(path)
    return counts


def _write_folder(folder: Path, preset: Preset, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    out = _Writers(folder)
    try:
        days = _Days()
        actors = _actors(rng, preset.actors, out.rows["actors.csv"])
        sites = _sites(rng, preset.sites, preset.boxes, out.rows["sites.csv"])
        forces = _forces(rng, preset.forces, actors, sites, out.rows["forces.csv"])
        records = preset.deployments + preset.movements + preset.events
        count = math.ceil(records / RECORDS_PER_SOURCE) if records else min(preset.sites, 1)
        sources = _sources(rng, count, actors, sites, days, out.rows["sources.csv"])
        cite = _Citer(rng, sources, out.rows["citations.csv"])
        site_citations = _site_citations(rng, sites, sources, out.rows["citations.csv"])
        site_actors: list[set[int]] = [set() for _ in sites.slugs]
        plan = _plan(rng, preset)
        movements = _deployments(rng, preset, forces, sites, plan, site_actors, days, cite, out)
        _events(rng, preset.events, actors, sites, site_actors, days, cite, out.rows["events.csv"])
    finally:
        out.close()
    return {
        "actors.csv": preset.actors,
        "sites.csv": preset.sites,
        "forces.csv": preset.forces,
        "deployments.csv": preset.deployments,
        "movements.csv": movements,
        "events.csv": preset.events,
        "sources.csv": count,
        "citations.csv": cite.count + site_citations,
    }


def _colours(rng: random.Random, n: int) -> list[str]:
    colours = list(PALETTE[:n])
    hue = rng.random()
    while len(colours) < n:
        hue = (hue + 0.618033988749895) % 1.0
        value = 0.55 + 0.4 * rng.random()
        sat = 0.5 + 0.5 * rng.random()
        # HSV to RGB.
        i = int(hue * 6)
        f = hue * 6 - i
        p, q, t = value * (1 - sat), value * (1 - f * sat), value * (1 - (1 - f) * sat)
        r, g, b = ((value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value),
                   (value, p, q))[i % 6]  # fmt: skip
        colour = f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"
        if colour not in colours:
            colours.append(colour)
    return colours


@dataclass
class _Actors:
    slugs: list[str]
    names: list[str]
    shorts: list[str]
    kinds: list[str]
    roots: list[str]


def _actors(rng: random.Random, n: int, write: Callable[[list[str]], object]) -> _Actors:
    roots = list(ROOTS)
    rng.shuffle(roots)
    taken_roots = set(roots)
    while len(roots) < n:
        root = _word(rng, 3)
        if root not in taken_roots:
            taken_roots.add(root)
            roots.append(root)
    kinds = [ACTOR_KINDS[i % len(ACTOR_KINDS)] for i in range(n)]
    colours = _colours(rng, n)
    result = _Actors([], [], [], [], [])
    slugs: set[str] = set()
    shorts: set[str] = set()
    for i in range(n):
        root, kind = roots[i], kinds[i]
        name = rng.choice(ACTOR_FORMS[kind]).format(r=root)
        slug = _unique(slugify(root if kind == "state" else name), slugs)
        letters = root.upper()
        short = letters[:3] if kind == "state" else letters[:2] + name.split()[-1][0].upper()
        if short in shorts:
            others = (letters[0] + a + b for a in letters[1:] for b in letters[2:])
            short = next((c for c in others if c not in shorts), f"{letters[:2]}{i}")
        shorts.add(short)
        if kind == "state":
            aliases = f"{root};{root} Armed Forces"
            description = f"The armed forces of the invented state of {root}."
        elif kind == "armed_group":
            aliases = f"{short};{root} fighters"
            description = f"Non-state armed group active in and around {root}."
        elif kind == "coalition":
            aliases = short
            description = f"Multinational coalition formed under the {root} accords."
        else:
            aliases = ""
            description = f"{name}: neither a state's forces nor an armed group."
        write([slug, text_cell(name), short, kind, colours[i], text_cell(aliases),
               text_cell(description)])  # fmt: skip
        result.slugs.append(slug)
        result.names.append(name)
        result.shorts.append(short)
        result.kinds.append(kind)
        result.roots.append(root)
    return result


def _sites(
    rng: random.Random, n: int, boxes: tuple[Box, ...], write: Callable[[list[str]], object]
) -> _Sites:
    hubs = max(1, min(400, round(n / 25))) if n else 0
    areas = [(e - w) * (nn - s) for w, e, s, nn in boxes]
    box_weights = list(_cumulate(areas))
    hub_kinds, hub_weights = _weighted(HUB_KINDS)
    site_kinds, site_weights = _weighted(SITE_KINDS)
    sites = _Sites([], [], [], [[] for _ in range(hubs)], [], [], [])
    taken: set[str] = set()
    hub_at: list[tuple[float, float, int]] = []
    hub_country: list[str] = []
    hub_region: list[str] = []
    random_ = rng.random
    gauss = rng.gauss
    for i in range(n):
        place = _place(rng)
        if i < hubs:
            kind = rng.choices(hub_kinds, cum_weights=hub_weights)[0]
            box_index = rng.choices(range(len(boxes)), cum_weights=box_weights)[0]
            w, e, s, nn = boxes[box_index]
            lat, lon = s + (nn - s) * random_(), w + (e - w) * random_()
            hub_at.append((lat, lon, box_index))
            cell = box_index * 7 + int(lon // 6) * 3 + int(lat // 5)
            hub_country.append(COUNTRIES[cell % len(COUNTRIES)])
            hub_region.append(f"{_word(rng, 2)} {rng.choice(REGION_WORDS)}")
            sites.hub_places.append(place)
            cluster = i
        else:
            kind = rng.choices(site_kinds, cum_weights=site_weights)[0]
            cluster = rng.randrange(hubs)
            hub_lat, hub_lon, box_index = hub_at[cluster]
            if random_() < 0.85:
                lat, lon = hub_lat + gauss(0, 0.35), hub_lon + gauss(0, 0.45)
            else:
                w, e, s, nn = boxes[box_index]
                lat, lon = s + (nn - s) * random_(), w + (e - w) * random_()
        lat = min(85.0, max(-85.0, lat))
        lon = min(179.99, max(-179.99, lon))
        name = rng.choice(SITE_FORMS[kind]).format(p=place)
        slug = _unique(slugify(name if kind not in ("town", "city") else place), taken)
        spellings = variants(place)[: rng.choice((0, 1, 1, 2, 2, 3))]
        if kind == "air_base":
            spellings.append(f"{place} AB")
        elif kind == "airport" and random_() < 0.6:
            spellings.append("Q" + "".join(rng.choice("ABCDEFGHKLMNPRSTVZ") for _ in range(3)))
        aliases = ";".join(spellings)
        roll = random_()
        if roll < 0.02:
            lat_text = lon_text = precision = ""
        else:
            lat_text, lon_text = f"{lat:.5f}", f"{lon:.5f}"
            precision = "1" if roll < 0.85 else ("2" if roll < 0.97 else "3")
        if i < hubs:
            description = f"Main military site of the {hub_region[cluster]}."
        elif random_() < 0.25:
            label = kind.replace("_", " ").capitalize()
            description = f"{label} in the area of {sites.hub_places[cluster]}."
        else:
            description = ""
        write([slug, text_cell(name), text_cell(aliases), kind, lat_text, lon_text, precision,
               hub_country[cluster], text_cell(hub_region[cluster]),
               text_cell(description)])  # fmt: skip
        sites.slugs.append(slug)
        sites.names.append(name)
        sites.cluster.append(cluster)
        sites.members[cluster].append(i)
        if kind in ("naval_base",) or (kind == "city" and random_() < 0.3):
            sites.naval.append(i)
        if kind in ("air_base", "airport"):
            sites.air.append(i)
    return sites


def _cumulate(values: list[float]) -> list[float]:
    total = 0.0
    out: list[float] = []
    for value in values:
        total += value
        out.append(total)
    return out


def _forces(
    rng: random.Random,
    n: int,
    actors: _Actors,
    sites: _Sites,
    write: Callable[[list[str]], object],
) -> _Forces:
    forces = _Forces([], [], [], [], [])
    if not n:
        return forces
    actor_weights = _cumulate([ACTOR_WEIGHTS[k] for k in actors.kinds])
    branch_tables = {kind: _weighted(pairs) for kind, pairs in BRANCHES_BY_KIND.items()}
    hubs = len(sites.members)
    numbers = [0] * len(actors.slugs)
    detachments: dict[int, int] = {}
    top: list[int] = []
    taken: set[str] = set()
    for i in range(n):
        parent = -1
        if top and rng.random() < 0.25:
            parent = rng.choice(top)
        if parent >= 0:
            actor = forces.actor[parent]
            branch = forces.branch[parent] if rng.random() < 0.7 else "mixed"
            home = forces.home[parent] if rng.random() < 0.7 or not hubs else rng.randrange(hubs)
            detachments[parent] = detachments.get(parent, 0) + 1
            slug = f"{forces.slugs[parent]}-det-{detachments[parent]}"
            where = sites.hub_places[home] if hubs else "forward"
            name = f"{forces.names[parent]}, {where} detachment"
            description = f"Detachment of the {forces.names[parent]}."
        else:
            actor = rng.choices(range(len(actors.slugs)), cum_weights=actor_weights)[0]
            names, weights = branch_tables[actors.kinds[actor]]
            branch = rng.choices(names, cum_weights=weights)[0]
            numbers[actor] += 1
            kind_name = rng.choice(FORCE_TYPES[branch])
            short = actors.shorts[actor]
            slug = _unique(f"{slugify(short, 10)}-{numbers[actor]}-{slugify(kind_name, 30)}", taken)
            name = f"{short} {_ordinal(numbers[actor])} {kind_name}"
            home = rng.randrange(hubs) if hubs else -1
            description = (
                f"Based mainly around {sites.hub_places[home]}." if hubs and rng.random() < 0.4
                else ""
            )  # fmt: skip
            top.append(i)
        write([slug, text_cell(name), actors.slugs[actor], branch,
               forces.slugs[parent] if parent >= 0 else "", "",
               text_cell(description)])  # fmt: skip
        forces.slugs.append(slug)
        forces.names.append(name)
        forces.actor.append(actor)
        forces.branch.append(branch)
        forces.home.append(home)
    return forces


def _sources(
    rng: random.Random,
    n: int,
    actors: _Actors,
    sites: _Sites,
    days: _Days,
    write: Callable[[list[str]], object],
) -> _Sources:
    publishers = list(PUBLISHERS)
    for i, root in enumerate(actors.roots):
        if actors.kinds[i] == "state":
            publishers.append((f"{root} State News Agency", (0, 5, 35, 35, 20, 5), "national", 1))
            publishers.append(
                (f"{root} Ministry of Defence", (0, 25, 45, 20, 10, 0), "national", 1)
            )
        elif actors.kinds[i] == "armed_group":
            publishers.append(
                (f"{actors.names[i]} media office", (0, 0, 10, 35, 40, 15), "local", 1)
            )
    pub_slugs = [slugify(p[0], 50) for p in publishers]
    pub_weights = _cumulate([p[3] for p in publishers])
    grade_tables = [_cumulate([float(w) for w in p[1]]) for p in publishers]
    span = HORIZON - SOURCES_FROM
    published = sorted(SOURCES_FROM + int(span * rng.random()) for _ in range(n))
    sources = _Sources([], array("i", published), bytearray(n))
    who = array("H")
    random_ = rng.random
    randrange = rng.randrange
    n_sites, n_actors = len(sites.slugs), len(actors.slugs)
    for i in range(n):
        p = _pick(pub_weights, random_())
        name, _, scale, _ = publishers[p]
        grade = _pick(grade_tables[p], random_())
        day = days[published[i]]
        slug = f"{pub_slugs[p]}-{day}-{i + 1}"
        site_name = sites.names[randrange(n_sites)] if n_sites else "the front"
        actor_name = actors.roots[randrange(n_actors)] if n_actors else "Unknown"
        title = rng.choice(SOURCE_TITLES).format(s=site_name, a=actor_name)
        original = ""
        description = ""
        if i and random_() < 0.15:
            j = randrange(max(0, i - 200), i)
            original = sources.slugs[j]
            description = f"Relays the report of {publishers[who[j]][0]}."
        roll = random_()
        if roll < 0.08:
            url = ""
            description = (description + " Print edition only; no link.").strip()
        else:
            url = f"https://{pub_slugs[p]}.example/{day[:4]}/{day[5:7]}/{slugify(title, 60)}"
        archive = (
            f"https://archive.example/{day.replace('-', '')}/{url}" if url and roll > 0.8 else ""
        )
        write([slug, text_cell(name), text_cell(title), url, archive, day, GRADES[grade],
               scale, original, text_cell(description)])  # fmt: skip
        sources.slugs.append(slug)
        sources.grades[i] = grade
        who.append(p)
    return sources


class _Citer:
    """Cites records: supporting sources published on or after the record's day, sometimes a
    disputing one; returns the confidence the record's supporting sources allow."""

    def __init__(
        self, rng: random.Random, sources: _Sources, write: Callable[[list[str]], object]
    ) -> None:
        self.random = rng.random
        self.slugs = sources.slugs
        self.grades = sources.grades
        self.write = write
        self.count = 0
        # The first source published on or after each day from SOURCES_FROM to HORIZON.
        self.from_day = array("i", [0]) * (HORIZON - SOURCES_FROM + 1)
        position = 0
        for offset in range(len(self.from_day)):
            while position < len(sources.days) and sources.days[position] < SOURCES_FROM + offset:
                position += 1
            self.from_day[offset] = position
        # Credibility of a supporting claim by the source's grade (A..F), drawn from these.
        self.credibility = [("1", "2"), ("2", "3"), ("3", "3"), ("4", "4"), ("5", "5"), ("6", "6")]

    def _source(self, base: int) -> int:
        """One of the SOURCE_WINDOW sources from `base` on (or the latest ones, at the end)."""
        total = len(self.slugs)
        s = base + int(self.random() * SOURCE_WINDOW)
        if s >= total:
            s = total - 1 - int(self.random() * min(total, SOURCE_WINDOW))
        return s

    def __call__(
        self, kind: str, slug: str, day: int, claim: str, disputes: tuple[str, ...], **fields: str
    ) -> str:
        """Write the record's citations; `disputes` are templates over `fields` for the claim of
        a disputing source, filled in only when there is one."""
        random_ = self.random
        write = self.write
        slugs, grades = self.slugs, self.grades
        offset = day - SOURCES_FROM
        base = self.from_day[0 if offset < 0 else min(offset, len(self.from_day) - 1)]
        first = self._source(base)
        best = grades[first]
        write(
            [slugs[first], kind, slug, "supports", self.credibility[best][random_() < 0.3], claim]
        )
        chosen = [first]
        roll = random_()
        if roll >= 0.72:
            # A second supporting source, sometimes a third.
            for _ in range(1 if roll < 0.94 else 2):
                s = self._source(base)
                if s in chosen:
                    continue
                chosen.append(s)
                grade = grades[s]
                if grade < best:
                    best = grade
                credibility = self.credibility[grade][random_() < 0.3]
                write([slugs[s], kind, slug, "supports", credibility, claim])
        disputed = False
        if roll < 0.06 and len(slugs) > 1:
            s = self._source(base)
            if s not in chosen:
                disputed = True
                credibility = "345"[int(random_() * 3)]
                dispute = disputes[int(random_() * len(disputes))].format(**fields)
                write([slugs[s], kind, slug, "disputes", credibility, text_cell(dispute)])
                self.count += 1
        self.count += len(chosen)
        if best >= WEAK:
            return "low"
        roll = random_()
        if best <= 1:
            confidence = "high" if roll < 0.75 else ("medium" if roll < 0.97 else "low")
        else:
            confidence = "medium" if roll < 0.7 else ("high" if roll < 0.8 else "low")
        if disputed and confidence == "high":
            confidence = "medium"
        return confidence


def _site_citations(
    rng: random.Random, sites: _Sites, sources: _Sources, write: Callable[[list[str]], object]
) -> int:
    """Some sites say where their position comes from."""
    if not sources.slugs:
        return 0
    count = 0
    for i, slug in enumerate(sites.slugs):
        if rng.random() < 0.25:
            s = rng.randrange(len(sources.slugs))
            claim = f"Gives the position of {sites.names[i]}."
            write([sources.slugs[s], "site", slug, "supports", "2", text_cell(claim)])
            count += 1
    return count


@dataclass
class _Plan:
    rows: list[int]  # deployments of each force
    first: bytearray  # per deployment, in force order: 1 when it starts a stay at a new site
    open_last: bytearray  # per force: 1 when its last deployment has no end
    changes: int  # site changes: where a movement between two sites may go
    closings: int  # closed last deployments: where a movement off the map may go
    moves_home: int  # movements off the map to write; the others go between sites


def _plan(rng: random.Random, preset: Preset) -> _Plan:
    """How many deployments each force gets, which start a stay at a new site, which forces are
    still there at the end; adjusted so there is room for the movements asked for."""
    n_forces, total, wanted = preset.forces, preset.deployments, preset.movements
    rows = [0] * n_forces
    if total:
        # Forces with few deployments each leave little room for moves between sites, so when
        # deployments are scarce some forces (headquarters, say) get none.
        holding = min(
            n_forces,
            max(1, math.ceil(2 * total / MAX_ROWS_PER_FORCE), total - math.ceil(1.5 * wanted)),
        )
        holders = list(range(n_forces))
        if holding < n_forces:
            holders = sorted(rng.sample(holders, holding))
        for f in holders:
            rows[f] = 1
        extra = total - len(holders)
        if extra:
            weights = _cumulate([rng.lognormvariate(0, 0.7) for _ in holders])
            for f in rng.choices(holders, cum_weights=weights, k=extra):
                rows[f] += 1
            over = sum(max(0, r - MAX_ROWS_PER_FORCE) for r in rows)
            if over:
                rows = [min(r, MAX_ROWS_PER_FORCE) for r in rows]
                for f in itertools.cycle(holders):
                    if not over:
                        break
                    if rows[f] < MAX_ROWS_PER_FORCE:
                        rows[f] += 1
                        over -= 1
    first = bytearray(total)
    position = 0
    random_ = rng.random
    for r in rows:
        i = 0
        while i < r:
            first[position + i] = 1
            roll = random_()
            i += 1 if roll < 0.35 else (2 if roll < 0.8 else (3 if roll < 0.95 else 4))
        position += r
    open_last = bytearray(1 if r and random_() < 0.6 else 0 for r in rows)
    changes = sum(first) - sum(1 for r in rows if r)
    closings = sum(1 for f, r in enumerate(rows) if r and not open_last[f])
    if changes + closings < wanted:
        # More site changes: stays split where they would have been status changes.
        same = [i for i in range(total) if not first[i]]
        for i in rng.sample(same, min(len(same), wanted - changes - closings)):
            first[i] = 1
            changes += 1
    if changes + closings < wanted:
        still_open = [f for f, r in enumerate(rows) if r and open_last[f]]
        for f in rng.sample(still_open, min(len(still_open), wanted - changes - closings)):
            open_last[f] = 0
            closings += 1
    # About one movement in ten goes home, off the map; more when site changes are too few.
    moves_home = min(closings, max(wanted - changes, wanted // 10))
    return _Plan(rows, first, open_last, changes, closings, moves_home)


def _stay_statuses(rng: random.Random, length: int) -> list[str]:
    roll = rng.random()
    if length == 1:
        return ["active" if roll < 0.9 else ("contested" if roll < 0.97 else "drawdown")]
    if length == 2:
        if roll < 0.8:
            return ["active", "drawdown"]
        if roll < 0.88:
            return ["active", "contested"]
        if roll < 0.93:
            return ["contested", "active"]
        return ["active", "withdrawn"]
    middle = ["contested" if rng.random() < 0.3 else "active" for _ in range(length - 2)]
    return ["active", *middle, "withdrawn" if roll < 0.05 else "drawdown"]


LENGTH = {"active": 1.0, "contested": 0.6, "drawdown": 0.45, "withdrawn": 0.15}
DISPUTES = (
    "Dates the arrival of the {f} at {s} weeks later than {d}.",
    "Denies that the {f} was at {s} at the time.",
    "Gives a different unit for the troops reported at {s} from {d}.",
)


def _precision(roll: float, coarse: float) -> str:
    """Mostly day; a share `coarse` of week, month or year."""
    if roll >= coarse:
        return "day"
    share = roll / coarse
    return "week" if share < 0.35 else ("month" if share < 0.85 else "year")


def _deployments(
    rng: random.Random,
    preset: Preset,
    forces: _Forces,
    sites: _Sites,
    plan: _Plan,
    site_actors: list[set[int]],
    days: _Days,
    cite: _Citer,
    out: _Writers,
) -> int:
    """Deployments force by force, the movements between them, and their citations."""
    write_deployment = out.rows["deployments.csv"]
    write_movement = out.rows["movements.csv"]
    random_ = rng.random
    n_sites = len(sites.slugs)
    strengths = {
        branch: [
            form.format(a=rng.randint(2, 12), b=rng.randint(1, 6), c=rng.randint(2, 40) * 50,
                        d=rng.randint(2, 20) * 10)
            for form in forms for _ in range(4)
        ]
        for branch, forms in STRENGTHS.items()
    }  # fmt: skip
    # Which site changes and closings get a movement: selection sampling, exact counts.
    need_between, changes_left = preset.movements - plan.moves_home, plan.changes
    need_home, closings_left = plan.moves_home, plan.closings
    written = 0
    position = 0
    for f, n in enumerate(plan.rows):
        if not n:
            continue
        fslug, fname, branch = forces.slugs[f], forces.names[f], forces.branch[f]
        actor = forces.actor[f]
        home = forces.home[f]
        lowest = HORIZON - max(rng.randint(4 * 365, 26 * 365), n * 25)
        site = -1
        # Where and when the previous stay ended: (site, end day, end precision).
        left: tuple[int, int, str] | None = None
        take = False
        carried = "day"
        mean = 1.0
        moves = 0
        k = 0
        first = plan.first
        while k < n:
            end_of_stay = k + 1
            while end_of_stay < n and not first[position + end_of_stay]:
                end_of_stay += 1
            statuses = _stay_statuses(rng, end_of_stay - k)
            site = _next_site(rng, sites, site, home, branch, n_sites)
            site_actors[site].add(actor)
            sname = sites.names[site]
            sslug = sites.slugs[site]
            for j, status in enumerate(statuses):
                rows_left = n - k
                mean = max(1.0, (HORIZON - lowest) / (rows_left * 1.25))
                if j == 0:
                    precision = _precision(random_(), 0.3 if k == 0 else 0.12)
                    if precision == "year" and k:
                        precision = "month"
                    start = next_period_start(lowest, precision)
                    if start > HORIZON - 2 * rows_left:
                        start, precision = lowest, "day"
                else:
                    # A change of status at the same site starts when the last row ended.
                    start, precision = lowest, carried
                if k == n - 1 and plan.open_last[f]:
                    if status == "withdrawn":
                        status = "drawdown"
                    end_text = end_precision = ""
                    until = start
                    end = 0
                else:
                    if rows_left == 1:
                        # The last one ends some time before the horizon.
                        length = (HORIZON - start) * (0.15 + 0.8 * random_())
                    else:
                        length = mean * LENGTH[status] * (0.35 + 1.3 * random_())
                    # Leave a day or two for each deployment still to come.
                    end = max(start + 1, min(start + int(length), HORIZON - 2 * rows_left))
                    end_precision = _precision(random_(), 0.1)
                    if end_precision != "day":
                        snapped = period_start(end, end_precision)
                        if (
                            start < snapped
                            and _after(snapped, end_precision) < HORIZON - 2 * rows_left
                        ):
                            end = snapped
                        else:
                            end_precision = "day"
                    until = end if end_precision == "day" else _after(end, end_precision)
                    end_text = days[end]
                slug = f"{fslug}-{k + 1}"
                start_text = days[start]
                if j == 0 and left is not None and take:
                    _movement(rng, write_movement, cite, fslug, fname, branch, moves, sites,
                              left, site, start_text, precision, days)  # fmt: skip
                    moves += 1
                    written += 1
                claim = f"Reports the {fname} at {sname} from {start_text}."
                confidence = cite(
                    "deployment",
                    slug,
                    start,
                    text_cell(claim),
                    DISPUTES,
                    f=fname,
                    s=sname,
                    d=start_text,
                )
                roll = random_()
                strength = (
                    strengths[branch][int(roll * 100) % len(strengths[branch])]
                    if roll < 0.35 and status != "withdrawn"
                    else ""
                )
                note = ""
                if roll > 0.97:
                    note = "The dates follow the earliest report; others give a later start."
                elif status == "withdrawn":
                    note = "Reported withdrawn; some personnel may have stayed behind."
                write_deployment([slug, fslug, sslug, start_text, precision, end_text,
                                  end_precision, status, strength, confidence, note,
                                  ""])  # fmt: skip
                if end:
                    lowest = until
                    carried = end_precision
                    left = (site, end, end_precision)
                k += 1
            # Between stays: time to pack up, travel and set up again.
            if k < n:
                take = random_() * changes_left < need_between
                changes_left -= 1
                need_between -= take
                # Never so long that the deployments still to come run past the horizon.
                lowest = max(
                    lowest, min(lowest + int(mean * 0.3 * random_()), HORIZON - 2 * (n - k))
                )
            elif not plan.open_last[f]:
                take = random_() * closings_left < need_home
                closings_left -= 1
                need_home -= take
                if take and left is not None:
                    _movement(rng, write_movement, cite, fslug, fname, branch, moves, sites,
                              left, -1, "", "", days)  # fmt: skip
                    moves += 1
                    written += 1
        position += n
    return written


def _next_site(
    rng: random.Random, sites: _Sites, current: int, home: int, branch: str, n_sites: int
) -> int:
    """Another site, mostly near the current one or the force's home hub."""
    for _ in range(8):
        roll = rng.random()
        if branch == "naval" and sites.naval and roll < 0.7:
            choice = rng.choice(sites.naval)
        elif branch == "air" and sites.air and roll < 0.75:
            choice = rng.choice(sites.air)
        elif current >= 0 and roll < 0.75:
            choice = rng.choice(sites.members[sites.cluster[current]])
        elif home >= 0 and roll < 0.92:
            choice = rng.choice(sites.members[home])
        else:
            choice = rng.randrange(n_sites)
        if choice != current:
            return choice
    return (current + 1 + rng.randrange(n_sites - 1)) % n_sites if n_sites > 1 else 0


def _movement(
    rng: random.Random,
    write: Callable[[list[str]], object],
    cite: _Citer,
    fslug: str,
    fname: str,
    branch: str,
    number: int,
    sites: _Sites,
    left: tuple[int, int, str],
    to_site: int,
    arrived: str,
    arrived_precision: str,
    days: _Days,
) -> None:
    """A move dated at the boundary: it starts the day the old deployment ends and is over the
    day the next one starts; to_site -1 is a move home, off the map."""
    from_site, leaving, leaving_precision = left
    slug = f"{fslug}-move-{number + 1}"
    start_text = days[leaving]
    if to_site >= 0:
        to_slug, label, to_name = sites.slugs[to_site], "", sites.names[to_site]
        end_text, end_precision = arrived, arrived_precision
    else:
        to_slug, label = "", "Home garrison"
        to_name = "its home garrison"
        if rng.random() < 0.5:
            back = min(leaving + rng.randint(1, 10), max(leaving, HORIZON - 1))
            end_text, end_precision = days[back], "day"
            if leaving_precision != "day":
                end_text = end_precision = ""
        else:
            end_text = end_precision = ""
    description = MOVES[branch].format(f=fname, a=sites.names[from_site], b=to_name)
    claim = f"Reports the {fname} leaving {sites.names[from_site]} for {to_name}."
    confidence = cite(
        "movement",
        slug,
        leaving,
        text_cell(claim),
        ("Says the {f} stayed at {s}.", "Dates the departure from {s} later."),
        f=fname,
        s=sites.names[from_site],
    )
    write([slug, fslug, sites.slugs[from_site], to_slug, label, start_text, leaving_precision,
           end_text, end_precision, text_cell(description), confidence])  # fmt: skip


def _events(
    rng: random.Random,
    n: int,
    actors: _Actors,
    sites: _Sites,
    site_actors: list[set[int]],
    days: _Days,
    cite: _Citer,
    write: Callable[[list[str]], object],
) -> None:
    kinds, weights = _weighted(EVENT_KINDS)
    taken: set[str] = set()
    n_sites, n_actors = len(sites.slugs), len(actors.slugs)
    span = HORIZON - EVENTS_FROM
    random_ = rng.random
    for _ in range(n):
        kind = rng.choices(kinds, cum_weights=weights)[0]
        precision = _precision(random_(), 0.15)
        day = period_start(EVENTS_FROM + int(span * random_()), precision)
        site = rng.randrange(n_sites) if n_sites and random_() < 0.92 else -1
        present = sorted(site_actors[site]) if site >= 0 else []
        involved: list[int] = []
        if present:
            involved = rng.sample(present, min(len(present), rng.choice((1, 1, 2))))
        elif n_actors:
            involved = [rng.randrange(n_actors)]
        sname = sites.names[site] if site >= 0 else "the front line"
        aname = actors.names[involved[0]] if involved else "An unidentified force"
        title = EVENT_TITLES[kind].format(a=aname, s=sname)
        title = title[0].upper() + title[1:]
        year = days[day][:4]
        base = f"{sites.slugs[site]}-{EVENT_WORDS[kind]}-{year}" if site >= 0 else (
            f"{EVENT_WORDS[kind]}-{days[day]}"
        )  # fmt: skip
        slug = _unique(base, taken)
        description = (
            f"Reported by several outlets; {len(involved)} actor(s) named." if random_() < 0.3
            else ""
        )  # fmt: skip
        claim = f"Reports: {title} ({days[day]})."
        confidence = cite(
            "event",
            slug,
            day,
            text_cell(claim),
            ("Gives another account of what happened at {s}.", "Dates it to another day."),
            s=sname,
        )
        write([slug, days[day], precision, kind, text_cell(title), text_cell(description),
               sites.slugs[site] if site >= 0 else "",
               ";".join(actors.slugs[a] for a in involved), confidence])  # fmt: skip
