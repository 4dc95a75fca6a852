// What changed on the map: each drawing is compared with the one before it (or, in compare mode,
// with the URL's `compare` date), per site and actor: who arrived, who left, whose status, number
// of forces or record (a new strength or details) changed. The answer is marked on the map (a
// ring and a symbol around the site, a ghost where a site emptied) and said in words in the
// "Changes" list. Everything comes from the year index already in memory: no request is made
// for it.

import { clear, h, moreItem, swatch } from "./dom.js";
import { STATUS_TEXT, formatWhen, label, parseTypedDate, step } from "./format.js";
import { siteRadius } from "./layers.js";
import { readState, siteHref, writeState } from "./state.js";

const L = window.L;

// Pixels between a site's outer ring and the change ring: outside the "dates uncertain" halo
// (4 px), so the mark circles the marker and never covers it.
const RING_GAP_PX = 9;
// A step on a world-sized theatre can change thousands of sites: only this many are marked on the
// map (in the list's order); the list says every change, a page at a time.
const MARKS_MAX = 300;
const LIST_PAGE = 100;
// The announcement names this many changes; the list holds the rest.
const ANNOUNCED = 3;
// Summaries kept by date and filter: the previous frame's is reused by the next step.
const SUMMARIES_KEPT = 6;
const STATUS_RANK = { active: 0, contested: 1, drawdown: 2, withdrawn: 3 };

// Each kind: its symbol on the map and in the list (so it reads without colour), and its order.
export const KINDS = {
  left: { symbol: "×", order: 0, words: "left" },
  arrived: { symbol: "+", order: 1, words: "arrived" },
  changed: { symbol: "Δ", order: 2, words: "changed" },
};

const statusText = (status) => STATUS_TEXT[status] || label(status);
const forcesText = (n) => `${n} ${n === 1 ? "force" : "forces"}`;

// @function summarise(sites: Array<site>): Map<slug, {site, forces, actors: Map<actor, ...>}>
// What a comparison needs of a drawing, copied out of the index's shared records.
export function summarise(sites) {
  const out = new Map();
  for (const site of sites) {
    const actors = new Map();
    const forces = new Set();
    for (const d of site.deployments) {
      forces.add(d.force);
      let actor = actors.get(d.actor);
      if (!actor) {
        actor = {
          actor: d.actor,
          name: d.actor_name,
          color: d.color,
          status: d.status,
          forces: 0,
          forceSet: new Set(),
          records: new Set(),
        };
        actors.set(d.actor, actor);
      }
      // The strongest status stands for the actor, as on the marker's ring (layers.js).
      if ((STATUS_RANK[d.status] ?? 9) < (STATUS_RANK[actor.status] ?? 9)) actor.status = d.status;
      actor.forceSet.add(d.force);
      actor.forces = actor.forceSet.size;
      actor.records.add(d.slug);
    }
    out.set(site.slug, {
      site: { slug: site.slug, name: site.name, rank: site.rank, latlng: site.latlng },
      forces: forces.size,
      actors,
    });
  }
  return out;
}

function sameSet(a, b) {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

function entry(kind, place, actor, text) {
  return {
    kind,
    site: place.site,
    actor: actor.actor,
    actorName: actor.name,
    color: actor.color,
    text,
  };
}

// @function diffSummaries(before, after): Array<{site, present, forces, kinds: Set, entries}>
// One change per site that differs, each with its entries (one per actor) in words.
export function diffSummaries(before, after) {
  const changes = [];
  const slugs = new Set([...before.keys(), ...after.keys()]);
  for (const slug of slugs) {
    const was = before.get(slug);
    const now = after.get(slug);
    const place = now || was;
    const entries = [];
    const actors = new Set([...(was ? was.actors.keys() : []), ...(now ? now.actors.keys() : [])]);
    for (const key of actors) {
      const a = was?.actors.get(key);
      const b = now?.actors.get(key);
      if (!a) {
        entries.push(entry("arrived", place, b, `${b.name} arrived (${statusText(b.status)})`));
      } else if (!b) {
        entries.push(entry("left", place, a, `${a.name} left (was ${statusText(a.status)})`));
      } else {
        const parts = [];
        if (a.status !== b.status) parts.push(`${statusText(a.status)} → ${statusText(b.status)}`);
        if (a.forces !== b.forces) parts.push(`${forcesText(a.forces)} → ${forcesText(b.forces)}`);
        // Same status and forces, but another record holds them: its strength or details
        // changed (the index carries no strength; the site's card says what it is now).
        if (!parts.length && !sameSet(a.records, b.records)) {
          parts.push("new record (strength or details)");
        }
        const text = `${b.name}: ${parts.join(", ")}`;
        if (parts.length) entries.push(entry("changed", place, b, text));
      }
    }
    if (!entries.length) continue;
    entries.sort((x, y) => KINDS[x.kind].order - KINDS[y.kind].order);
    changes.push({
      site: place.site,
      present: Boolean(now),
      // The marker's size now, or the size it had (for the ghost of a site that emptied).
      forces: (now || was).forces,
      kinds: new Set(entries.map((e) => e.kind)),
      entries,
    });
  }
  const first = (change) => Math.min(...change.entries.map((e) => KINDS[e.kind].order));
  return changes.sort((x, y) => first(x) - first(y) || x.site.rank - y.site.rank);
}

const chosenKey = (chosen) => (chosen ? [...chosen].sort().join(",") : "*");

// @class ChangeMarks
// Owns the "changes" pane on the map, the Changes panel section and the compare controls.
export class ChangeMarks {
  // select(slug, latlng): go to a site (open it when it is drawn, else pan to where it was).
  // placeOf(latlng): where the site layer drew the marker of the site at that point ({latlng,
  // radius}, radius 0 when none is drawn there): a crowded place is fanned out, and the mark
  // circles the marker a reader sees.
  constructor(map, { select, placeOf = null }) {
    this._map = map;
    this._select = select;
    this._placeOf = placeOf;
    this._changes = [];
    // Fanning is redone at each zoom (after the site layer's own handler): the marks follow.
    map.on("zoomend", () => this._drawMarks(this._changes));
    map.createPane("changes").style.zIndex = "440";
    map.getPane("changes").style.pointerEvents = "none";
    this._layer = L.layerGroup().addTo(map);
    this._summaries = new Map();
    this._previous = null;
    this._current = null;
    this._shown = LIST_PAGE;

    const $ = (id) => document.getElementById(id);
    this._heading = $("changes-since");
    this._list = $("change-list");
    this._empty = $("change-list-empty");
    this._status = $("changes-status");
    this._banner = $("compare-banner");
    this._play = $("play");
    this._form = $("compare-form");
    this._input = $("compare-input");
    this._opener = $("compare-open");
    this._note = $("compare-note");
    this._error = $("compare-error");

    this._opener.addEventListener("click", () => this._toggleForm(this._form.hidden));
    // Typed dates are read as the date field reads them (format.js); a refusal is said in words.
    this._form.addEventListener("submit", (event) => {
      event.preventDefault();
      const read = parseTypedDate(this._input.value);
      const year = read?.date ? Number(read.date.slice(0, 4)) : 0;
      if (!read || read.error || year < 1000 || year > 9998) {
        this._error.textContent = read?.error || "Type a date to compare with, e.g. 2026-01-01.";
        this._input.focus();
        return;
      }
      this._error.textContent = "";
      this._toggleForm(false);
      this._opener.focus();
      writeState({ compare: read.date }, { push: true });
    });
    this._form.querySelector("[data-cancel]").addEventListener("click", () => {
      this._toggleForm(false);
      this._opener.focus();
    });
    this._noteInvalid();
  }

  // A link whose compare date is not a day: said next to the control, then dropped from the URL.
  _noteInvalid() {
    const raw = new URLSearchParams(window.location.search).get("compare");
    if (raw === null || raw === "" || readState().compare) return;
    this._showInvalid(raw);
  }

  _showInvalid(raw) {
    this._note.textContent =
      `This link asks to compare with “${raw}”, which is not a date the map can read ` +
      "(YYYY-MM-DD, years 1000 to 9998): " +
      "it is ignored, and each step is compared with the one before.";
    this._note.hidden = false;
    writeState({ compare: null });
  }

  _toggleForm(open) {
    this._form.hidden = !open;
    this._opener.setAttribute("aria-expanded", String(open));
    if (open) {
      // A month before the date shown: a common first question ("what changed this month?").
      if (!this._input.value && this._current) this._input.value = step(this._current, "month", -1);
      this._input.focus();
    }
  }

  // The summary of a date under a filter: kept from an earlier drawing, or asked of the index.
  // Asking the index for another day rewrites the shared records' "dates uncertain" flag, so the
  // drawn day is asked again afterwards to put it back (see YearIndex.sitesAt).
  _summaryAt(index, date, chosen, drawnDate) {
    const key = `${index.version}|${date}|${chosenKey(chosen)}`;
    let summary = this._summaries.get(key);
    if (summary) return summary;
    const sites = index.sitesAt(date, chosen);
    if (!sites) return null;
    summary = summarise(sites);
    index.sitesAt(drawnDate, chosen);
    this._keep(key, summary);
    return summary;
  }

  _keep(key, summary) {
    this._summaries.delete(key);
    this._summaries.set(key, summary);
    while (this._summaries.size > SUMMARIES_KEPT) {
      this._summaries.delete(this._summaries.keys().next().value);
    }
  }

  // @method update(drawing: {index, date, compare, chosen, actors, present}): this
  // Called by each redraw, after the sites are drawn. The baseline is the compare date when there
  // is one, else the last different date drawn (nothing on the first drawing).
  update({ index, date, compare, chosen, actors, present }) {
    if (date !== this._current) {
      this._previous = this._current;
      this._current = date;
      this._shown = LIST_PAGE;
    }
    const now = summarise(present);
    this._keep(`${index.version}|${date}|${chosenKey(chosen)}`, now);
    const base = compare || this._previous;
    this._renderBanner(compare, date, actors);
    if (!base) {
      this._render(null, date, []);
      return this;
    }
    const before = base === date ? now : this._summaryAt(index, base, chosen, date);
    this._render(base, date, before ? diffSummaries(before, now) : []);
    return this;
  }

  _renderBanner(compare, date, actors) {
    this._banner.hidden = !compare;
    clear(this._banner);
    if (!compare) return;
    const [from, to] = compare <= date ? [compare, date] : [date, compare];
    const params = new URLSearchParams({ from, to });
    for (const slug of actors || []) params.append("actor", slug);
    this._banner.append(
      h("strong", {}, `Comparing with ${formatWhen(compare)}`),
      " — ",
      h(
        "button",
        {
          type: "button",
          id: "compare-clear",
          class: "link-button",
          onclick: () => writeState({ compare: null }, { push: true }),
        },
        "Clear",
      ),
      " · ",
      h(
        "a",
        { id: "compare-page", href: `/compare?${params}` },
        `Full comparison, ${formatWhen(from)} to ${formatWhen(to)}, with sources`,
      ),
    );
  }

  _render(base, date, changes) {
    this._changes = changes;
    this._base = base;
    this._date = date;
    this._drawMarks(changes);
    this._renderList();
    this._announce(base, date, changes);
  }

  _drawMarks(changes) {
    this._layer.clearLayers();
    let marked = 0;
    for (const change of changes) {
      if (marked >= MARKS_MAX) break;
      if (!change.site.latlng) continue;
      marked += 1;
      this._mark(change).addTo(this._layer);
    }
  }

  // A ring around the site in the style of its most telling change (left: dashed, arrived: solid,
  // changed: double), the symbols of every kind present beside it, and where the site emptied a
  // hollow ghost of the marker that was there.
  _mark(change) {
    const kind = ["left", "arrived", "changed"].find((k) => change.kinds.has(k));
    const shown = change.present && this._placeOf ? this._placeOf(change.site.latlng) : null;
    const latlng = shown && shown.radius ? shown.latlng : change.site.latlng;
    const radius = siteRadius(change.forces) + RING_GAP_PX;
    const size = 2 * radius;
    const symbols = [...change.kinds]
      .sort((a, b) => KINDS[a].order - KINDS[b].order)
      .map((k) => KINDS[k].symbol)
      .join("");
    const box = h(
      "div",
      { class: "change-box" },
      change.present ? null : h("span", { class: "change-ghost" }),
      h("span", { class: "change-ring" }),
      h("span", { class: "change-badge" }, symbols),
    );
    if (!change.present) box.firstChild.style.inset = `${RING_GAP_PX}px`;
    const icon = L.divIcon({
      className: `change-mark change-${kind}${change.present ? "" : " change-gone"}`,
      html: box,
      iconSize: [size, size],
      iconAnchor: [radius, radius],
    });
    const marker = L.marker(latlng, {
      icon,
      pane: "changes",
      interactive: false,
      keyboard: false,
    });
    marker.on("add", () => {
      const element = marker.getElement();
      if (element) element.dataset.site = change.site.slug;
    });
    return marker;
  }

  _renderList() {
    const { _base: base, _date: date, _changes: changes } = this;
    this._heading.textContent = base ? sinceText(base, date) : "";
    const rows = changes.flatMap((change) => change.entries.map((e) => ({ change, e })));
    const list = clear(this._list);
    for (const { change, e } of rows.slice(0, this._shown)) {
      // A site with no known place cannot be shown on the map: its entry opens its page.
      const target = e.site.latlng
        ? {
            type: "button",
            onclick: () => this._select(e.site.slug, e.site.latlng, change.present),
          }
        : { href: siteHref(e.site.slug) };
      list.append(
        h(
          "li",
          {},
          h(
            e.site.latlng ? "button" : "a",
            {
              ...target,
              class: `entry change-entry change-${e.kind}`,
              dataset: { site: e.site.slug, actor: e.actor, change: e.kind },
            },
            h("span", { class: "change-symbol", "aria-hidden": "true" }, KINDS[e.kind].symbol),
            h(
              "span",
              { class: "change-words" },
              h("span", { class: "entry-title" }, e.site.name),
              ": ",
              swatch(e.color, e.actorName),
              e.text,
            ),
          ),
        ),
      );
    }
    list.append(
      ...moreItem("change-list-more", rows.length - this._shown, LIST_PAGE, () => {
        this._shown += LIST_PAGE;
        this._renderList();
      }),
    );
    this._list.hidden = rows.length === 0;
    this._empty.hidden = rows.length > 0;
    this._empty.textContent = base
      ? `No change since ${formatWhen(base)}.`
      : "Step or play the date to see what changes from one day drawn to the next.";
  }

  // Polite, and short while playing: one count per frame that changed anything, not every entry.
  _announce(base, date, changes) {
    if (!base) return;
    const entries = changes.flatMap((change) => change.entries);
    const count = `${entries.length} ${entries.length === 1 ? "change" : "changes"}`;
    let text;
    if (this._play?.getAttribute("aria-pressed") === "true") {
      if (!entries.length) return;
      text = `${formatWhen(date)}: ${count}`;
    } else if (!entries.length) {
      text = `${formatWhen(date)}: no change since ${formatWhen(base)}`;
    } else {
      const named = entries.slice(0, ANNOUNCED).map((e) => `${e.site.name}: ${e.text}`);
      const rest = entries.length - named.length;
      text =
        `${formatWhen(date)}: ${count} ${base < date ? "since" : "from"} ${formatWhen(base)}. ` +
        `${named.join("; ")}${rest > 0 ? `; and ${rest} more` : ""}.`;
    }
    this._status.textContent = text;
  }
}

// "since 27 Jan 2026" going forward; going back in time the baseline is the later day.
function sinceText(base, date) {
  return base < date ? `since ${formatWhen(base)}` : `from ${formatWhen(base)} back to this day`;
}
