"""Comparing two dates: what appeared, left, moved or changed between the state on one day and
the state on another, per site and force.

Plain functions over a session, like app.queries, shared by the JSON and CSV answers and the
/compare page. Presence on a day is app.queries.state_at's rule (half-open intervals, a coarse end
counting to its period's end); nothing here decides presence a second way.

Dates are compared in time order: asked with the later date first, the comparison runs from the
earlier to the later one and says so (`swapped`), because "Russia appeared at Qamishli" read
backwards would tell the opposite of what happened.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app import queries
from app.dates import MONTHS
from app.models import Deployment, Force, Movement, Site

# Kinds of change, in the order a site lists them.
APPEARED = "appeared"
LEFT = "left"
MOVED = "moved"
STATUS_CHANGED = "status_changed"
STRENGTH_CHANGED = "strength_changed"
KINDS = (APPEARED, LEFT, MOVED, STATUS_CHANGED, STRENGTH_CHANGED)
KIND_TEXT = {
    APPEARED: "appeared",
    LEFT: "left",
    MOVED: "moved",
    STATUS_CHANGED: "status changed",
    STRENGTH_CHANGED: "strength changed",
}
STATUS_WORDS = {"drawdown": "drawing down"}


@dataclass
class Presence:
    """A force at a site on one of the two days: the deployment rows present then."""

    rows: list[Deployment]

    @property
    def statuses(self) -> list[str]:
        return sorted({d.status for d in self.rows})

    @property
    def strengths(self) -> list[str]:
        return sorted({d.strength.strip() for d in self.rows if d.strength and d.strength.strip()})


@dataclass
class Change:
    """One thing that differs between the two days, with the records a reader can check it by.

    `site` is where it happened (for a move, the origin; `to_site` is the destination).
    `deployments` are the force's rows at the site(s) present on some day from the first date to
    the second (so a departure carries the rows that date its end); `movements` are the force's
    recorded movements from or to those sites between the dates.
    """

    kind: str
    force: Force
    site: Site
    before: Presence | None
    after: Presence | None
    to_site: Site | None = None
    deployments: list[Deployment] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)

    @property
    def actor_name(self) -> str:
        return self.force.actor.name

    def last_there(self) -> Deployment | None:
        """For a departure, the row that ended last before the second date."""
        ended = [
            d for d in self.deployments if d.site_id == self.site.id and d.present_until is not None
        ]
        return max(ended, key=lambda d: d.present_until or dt.date.min, default=None)

    def first_there(self) -> Deployment | None:
        """For an arrival, the earliest row at the new site."""
        where = self.to_site or self.site
        rows = [d for d in self.deployments if d.site_id == where.id]
        return min(rows, key=lambda d: d.start_date, default=None)


@dataclass
class Changes:
    """The comparison of the state on `start` with the state on `end` (start <= end)."""

    start: dt.date
    end: dt.date
    actors: list[str]
    swapped: bool
    changes: list[Change]
    # Full citations of every deployment and movement the changes carry.
    citations: queries.CitationIndex

    def counts(self) -> dict[str, int]:
        counted = dict.fromkeys(KINDS, 0)
        for change in self.changes:
            counted[change.kind] += 1
        return counted


def in_order(first: dt.date, second: dt.date) -> tuple[dt.date, dt.date, bool]:
    """The two days earlier first, and whether they had to be swapped."""
    if first > second:
        return second, first, True
    return first, second, False


def changes_between(
    session: Session,
    start: dt.date,
    end: dt.date,
    actors: Sequence[str] | None = None,
    *,
    with_citations: bool = True,
) -> Changes:
    """What differs between the state on `start` and the state on `end`, per site and force.

    appeared: present on the second day, not the first; left: the reverse; moved: a force that
    left exactly one site and appeared at exactly one other (with several of either, which went
    where is not known, so each is listed as left or appeared); status changed / strength
    changed: present on both days with different statuses / different recorded strengths (a
    strength recorded on only one day is not a change, just unrecorded). Sorted by site name,
    then force name, then kind. `with_citations=False` leaves `citations` empty.
    """
    start, end, swapped = in_order(start, end)
    chosen = list(actors or [])
    on_start = _by_pair(queries.state_at(session, start, actors=chosen))
    on_end = _by_pair(queries.state_at(session, end, actors=chosen))
    between = _by_pair(queries.deployments_between(session, start, end, actors=chosen))
    forces: dict[int, Force] = {}
    sites: dict[int, Site] = {}
    for rows in between.values():
        for d in rows:
            forces[d.force_id] = d.force
            sites[d.site_id] = d.site

    changes: list[Change] = []
    gone: dict[int, list[int]] = defaultdict(list)  # force id -> sites it left
    new: dict[int, list[int]] = defaultdict(list)  # force id -> sites it reached
    for pair in on_start.keys() - on_end.keys():
        gone[pair[0]].append(pair[1])
    for pair in on_end.keys() - on_start.keys():
        new[pair[0]].append(pair[1])
    for force_id in gone.keys() | new.keys():
        left, reached = gone.get(force_id, []), new.get(force_id, [])
        force = forces[force_id]
        if len(left) == 1 and len(reached) == 1:
            origin, destination = left[0], reached[0]
            changes.append(
                Change(
                    MOVED,
                    force,
                    sites[origin],
                    Presence(on_start[(force_id, origin)]),
                    Presence(on_end[(force_id, destination)]),
                    to_site=sites[destination],
                    deployments=between[(force_id, origin)] + between[(force_id, destination)],
                )
            )
            continue
        for site_id in left:
            pair = (force_id, site_id)
            presence = Presence(on_start[pair])
            changes.append(
                Change(LEFT, force, sites[site_id], presence, None, deployments=between[pair])
            )
        for site_id in reached:
            pair = (force_id, site_id)
            presence = Presence(on_end[pair])
            changes.append(
                Change(APPEARED, force, sites[site_id], None, presence, deployments=between[pair])
            )
    for pair in on_start.keys() & on_end.keys():
        before, after = Presence(on_start[pair]), Presence(on_end[pair])
        force, site = forces[pair[0]], sites[pair[1]]
        if before.statuses != after.statuses:
            changes.append(
                Change(STATUS_CHANGED, force, site, before, after, deployments=between[pair])
            )
        if before.strengths and after.strengths and before.strengths != after.strengths:
            changes.append(
                Change(STRENGTH_CHANGED, force, site, before, after, deployments=between[pair])
            )

    _attach_movements(changes, queries.movements_between(session, start, end, actors=chosen))
    changes.sort(
        key=lambda c: (
            queries.natural_key(c.site.name),
            queries.natural_key(c.force.name),
            KINDS.index(c.kind),
        )
    )
    # The page samples the best few citations itself; the API answers every one.
    citations = (
        queries.citations_for(
            session,
            deployment={d.id for c in changes for d in c.deployments},
            movement={m.id for c in changes for m in c.movements},
        )
        if with_citations
        else queries.CitationIndex()
    )
    return Changes(start, end, chosen, swapped, changes, citations)


def _by_pair(deployments: Sequence[Deployment]) -> dict[tuple[int, int], list[Deployment]]:
    """Rows by (force id, site id), oldest first."""
    grouped: dict[tuple[int, int], list[Deployment]] = defaultdict(list)
    for d in sorted(deployments, key=lambda d: (d.start_date, d.id)):
        grouped[(d.force_id, d.site_id)].append(d)
    return dict(grouped)


def _attach_movements(changes: list[Change], movements: Sequence[Movement]) -> None:
    """Give each change the recorded movements of its force (or the force it belongs to) that
    start or end at one of the change's sites."""
    for change in changes:
        force_ids = {change.force.id}
        if change.force.parent_id is not None:
            force_ids.add(change.force.parent_id)
        site_ids = {change.site.id} | ({change.to_site.id} if change.to_site else set())
        change.movements = [
            m
            for m in movements
            if m.force_id in force_ids and (m.from_site_id in site_ids or m.to_site_id in site_ids)
        ]


# --- Wording --------------------------------------------------------------------------------
# One sentence per change, shared by the page, the JSON (`summary`) and the CSV, so that each
# says the same thing in the same words.


def day_text(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _possessive(name: str) -> str:
    return f"{name}’" if name.endswith("s") else f"{name}’s"


def _statuses(presence: Presence | None) -> str:
    if presence is None:
        return "not present"
    return " and ".join(STATUS_WORDS.get(s, s.replace("_", " ")) for s in presence.statuses)


def _strengths(presence: Presence | None) -> str:
    shown = presence.strengths if presence else []
    return "; ".join(f"“{s}”" for s in shown) or "not recorded"


def when_text(day: dt.date, precision: str | None) -> str:
    """A day as precisely as it is known: "23 Jan 2026", "week of 19 Jan 2026", "Jan 2026"."""
    if precision == "year":
        return str(day.year)
    if precision == "month":
        return f"{MONTHS[day.month - 1]} {day.year}"
    return f"week of {day_text(day)}" if precision == "week" else day_text(day)


def _last_day(row: Deployment | None) -> str:
    # Stored ends are the first day absent; readers count the last day there.
    if row is None or row.end_date is None:
        return ""
    if row.end_precision in (None, "day"):
        return f"; last there {day_text(row.end_date - dt.timedelta(days=1))}"
    article = "the " if row.end_precision == "week" else ""
    return f"; gone in {article}{when_text(row.end_date, row.end_precision)}"


def _first_day(row: Deployment | None) -> str:
    if row is None:
        return ""
    return f"; there from {when_text(row.start_date, row.start_precision)}"


def sentence(change: Change, start: dt.date, end: dt.date) -> str:
    """The change in words: "Russian Federation’s Qamishli helicopter group left Qamishli
    Airport (active on 1 Jan 2026; last there 27 Jan 2026; not present on 10 Feb 2026)"."""
    who = f"{_possessive(change.actor_name)} {change.force.name}"
    first, second = day_text(start), day_text(end)
    site = change.site.name
    if change.kind == LEFT:
        return (
            f"{who} left {site} ({_statuses(change.before)} on {first}"
            f"{_last_day(change.last_there())}; not present on {second})"
        )
    if change.kind == APPEARED:
        return (
            f"{who} appeared at {site} (not present on {first}"
            f"{_first_day(change.first_there())}; {_statuses(change.after)} on {second})"
        )
    if change.kind == MOVED:
        destination = change.to_site.name if change.to_site else "?"
        return (
            f"{who} moved from {site} to {destination} ({_statuses(change.before)} at {site} "
            f"on {first}; {_statuses(change.after)} at {destination} on {second})"
        )
    if change.kind == STATUS_CHANGED:
        return (
            f"{who} at {site} changed status: {_statuses(change.before)} on {first}, "
            f"{_statuses(change.after)} on {second}"
        )
    return (
        f"{who} at {site} changed strength: {_strengths(change.before)} on {first}, "
        f"{_strengths(change.after)} on {second}"
    )
