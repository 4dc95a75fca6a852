// The map's data in memory (app/map_index.py): a catalogue of names and places, and one calendar
// year of intervals at a time as parallel arrays. Every interval present on a day overlaps that
// day's year, so the loaded year alone answers "who was where": the slider filters arrays here and
// never waits on the network inside a loaded year.

import { toDayNumber } from "./format.js";

const L = window.L;

export const yearOf = (iso) => Number(iso.slice(0, 4));

function rows(columns) {
  const names = Object.keys(columns);
  const count = names.length ? columns[names[0]].length : 0;
  const out = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const row = {};
    for (const name of names) row[name] = columns[name][i];
    out[i] = row;
  }
  return out;
}

// @class YearIndex
// Loads the catalogue, then years on demand; answers sites, movements and events for a date.
export class YearIndex {
  // fetchers: {catalogue(): Promise, year(y): Promise}; actorsBySlug: Map of /api/v1/actors rows.
  constructor(fetchers, actorsBySlug) {
    this._fetch = fetchers;
    this._actorsBySlug = actorsBySlug;
    this._years = new Map();
    this._loading = new Map();
    this.version = null;
  }

  async load() {
    const catalogue = await this._fetch.catalogue();
    this.version = catalogue.version;
    this._years.clear();
    this._loading.clear();
    const actorSlug = new Map(catalogue.actors.id.map((id, i) => [id, catalogue.actors.slug[i]]));
    // Sites in reading order ("Site 2" before "Site 10"), ranked once so a redraw sorts numbers.
    const byName = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
    const sites = rows(catalogue.sites);
    sites.sort((a, b) => byName.compare(a.name, b.name) || a.slug.localeCompare(b.slug));
    this.sites = new Map();
    sites.forEach((site, rank) => {
      this.sites.set(site.id, {
        slug: site.slug,
        name: site.name,
        kind: site.kind,
        rank,
        latlng: site.lat === null || site.lon === null ? null : L.latLng(site.lat, site.lon),
      });
    });
    this.forces = new Map();
    for (const force of rows(catalogue.forces)) {
      const slug = actorSlug.get(force.actor);
      const actor = this._actorsBySlug.get(slug);
      this.forces.set(force.id, {
        slug: force.slug,
        name: force.name,
        actor: slug,
        actorName: actor ? actor.name : slug,
        color: actor ? actor.color : null,
      });
    }
    this.actorSlug = actorSlug;
    return this;
  }

  // Every place any record names, for the map's first view.
  bounds() {
    const points = [...this.sites.values()].filter((s) => s.latlng).map((s) => s.latlng);
    return points.length ? L.latLngBounds(points) : null;
  }

  has(year) {
    return this._years.has(year);
  }

  hasAll(years) {
    return years.every((year) => this._years.has(year));
  }

  // @method ensure(years: number[]): Promise<boolean>
  // Loads the years not yet here. True when the data changed on the server meanwhile (a year came
  // from another version than the catalogue): everything was reloaded, and the caller redraws.
  async ensure(years) {
    const answers = await Promise.all(years.map((year) => this._year(year)));
    if (answers.every((answer) => answer.version === this.version)) return false;
    await this.load();
    await Promise.all(years.map((year) => this._year(year)));
    return true;
  }

  prefetch(year) {
    if (!this._years.has(year)) this._year(year).catch(() => {});
  }

  _year(year) {
    const here = this._years.get(year);
    if (here) return Promise.resolve(here);
    let pending = this._loading.get(year);
    if (!pending) {
      pending = this._fetch
        .year(year)
        .then((answer) => {
          if (answer.version === this.version) this._years.set(year, answer);
          return answer;
        })
        .finally(() => this._loading.delete(year));
      this._loading.set(year, pending);
    }
    return pending;
  }

  // @method sitesAt(date: string, chosen: Set|null): Array<site> | null (null: year not loaded)
  // Each site: {slug, name, kind, latlng, deployments: [{slug, force, force_name, actor,
  // actor_name, color, status, confidence, disputed, uncertain}]}, in reading order.
  sitesAt(date, chosen) {
    const year = this._years.get(yearOf(date));
    if (!year) return null;
    const day = toDayNumber(date);
    const d = year.deployments;
    const records = this._records(year);
    const bySite = new Map();
    for (let i = 0; i < d.id.length; i += 1) {
      if (d.start[i] > day) continue;
      const until = d.until[i];
      if (until !== null && day >= until) continue;
      const record = records[i];
      if (!record || (chosen && !chosen.has(record.actor))) continue;
      let site = bySite.get(d.site[i]);
      if (!site) {
        const place = this.sites.get(d.site[i]);
        if (!place) continue;
        site = { ...place, deployments: [] };
        bySite.set(d.site[i], site);
      }
      // The one field that depends on the day. Records are shared between redraws of a year to
      // spare the garbage collector; every drawing reads them at once, before the next day's.
      const end = d.end[i];
      record.uncertain = day < d.sure_from[i] || (end !== null && day >= end);
      site.deployments.push(record);
    }
    return [...bySite.values()].sort((a, b) => a.rank - b.rank);
  }

  // A year's deployments as the objects the layers and lists read, built once per year.
  _records(year) {
    if (year.records) return year.records;
    const d = year.deployments;
    year.records = d.id.map((_, i) => {
      const force = this.forces.get(d.force[i]);
      if (!force) return null;
      return {
        slug: d.slug[i],
        force: force.slug,
        force_name: force.name,
        actor: force.actor,
        actor_name: force.actorName,
        color: force.color,
        status: d.status[i],
        confidence: d.low[i] ? "low" : "recorded",
        disputed: Boolean(d.disputed[i]),
        uncertain: false,
      };
    });
    return year.records;
  }

  // Movements overlapping [from, to] (ISO days), as the GeoJSON features the layers draw.
  movementsBetween(from, to, chosen) {
    const out = [];
    const seen = new Set();
    for (let y = yearOf(from); y <= yearOf(to); y += 1) {
      const m = this._years.get(y)?.movements;
      if (!m) continue;
      for (let i = 0; i < m.id.length; i += 1) {
        if (seen.has(m.id[i]) || m.start[i] > to || (m.end[i] || m.start[i]) < from) continue;
        const force = this.forces.get(m.force[i]);
        if (!force || (chosen && !chosen.has(force.actor))) continue;
        seen.add(m.id[i]);
        out.push(this._movement(m, i, force));
      }
    }
    return out.sort((a, b) => a.properties.start.localeCompare(b.properties.start));
  }

  _movement(m, i, force) {
    const from = this.sites.get(m.from[i]);
    const to = m.to[i] === null ? null : this.sites.get(m.to[i]);
    const at = (site) => [site.latlng.lng, site.latlng.lat];
    let geometry = null;
    if (from?.latlng && to?.latlng) geometry = { type: "LineString", coordinates: [at(from), at(to)] };
    else if (from?.latlng && !to) geometry = { type: "Point", coordinates: at(from) };
    return {
      type: "Feature",
      geometry,
      properties: {
        slug: m.slug[i],
        force: force.slug,
        force_name: force.name,
        actor: force.actor,
        actor_name: force.actorName,
        color: force.color,
        from_site: from?.slug,
        from_name: from?.name,
        to_site: to?.slug || null,
        to_name: to ? to.name : m.to_label[i],
        start: m.start[i],
        start_precision: m.start_precision[i],
        end: m.end[i],
        end_precision: m.end_precision[i],
        confidence: m.low[i] ? "low" : "recorded",
      },
    };
  }

  // Events dated in [from, to], oldest first, as GeoJSON features (null geometry: no place).
  eventsBetween(from, to, chosen) {
    const out = [];
    for (let y = yearOf(from); y <= yearOf(to); y += 1) {
      const e = this._years.get(y)?.events;
      if (!e) continue;
      for (let i = 0; i < e.id.length; i += 1) {
        if (e.date[i] < from || e.date[i] > to) continue;
        const actors = e.actors[i].map((id) => this.actorSlug.get(id));
        if (chosen && !actors.some((slug) => chosen.has(slug))) continue;
        const site = e.site[i] === null ? null : this.sites.get(e.site[i]);
        out.push({
          type: "Feature",
          geometry: site?.latlng
            ? { type: "Point", coordinates: [site.latlng.lng, site.latlng.lat] }
            : null,
          properties: {
            slug: e.slug[i],
            title: e.title[i],
            date: e.date[i],
            date_precision: e.date_precision[i],
            kind: e.kind[i],
            site: site?.slug || null,
            site_name: site?.name || null,
            actors,
            confidence: e.low[i] ? "low" : "recorded",
          },
        });
      }
    }
    return out;
  }
}
