// Leaflet drawing: sites, movement arrows and event symbols (the map and basemap: basemap.js).
// Sites and arrows go on canvas renderers so hundreds of markers stay smooth; status is carried by
// the outline's dash pattern and the fill's strength, never by colour alone. Doubt has its own
// marks that never replace the status dash: low confidence fades the fill and adds a "?" badge;
// dates uncertain (a day inside a coarse start's or end's period) adds a dotted halo.

import { h, safeColor } from "./dom.js";
import { movementCard, siteCard, withEvidence } from "./details.js";

const L = window.L;
// Vendored (static/vendor/supercluster), loaded as a classic script before the modules.
const Supercluster = window.Supercluster;

// From this many sites on a date, the map groups nearby sites into counted clusters below
// CLUSTER_MAX_ZOOM; fewer sites are always drawn one by one.
export const CLUSTER_FROM = 400;
const CLUSTER_MAX_ZOOM = 9;
const CLUSTER_RADIUS_PX = 64;

const OUTLINE = "#1d1d1d";
const STATUS_RANK = { active: 0, contested: 1, drawdown: 2, withdrawn: 3 };
// Pixels: how far an arrow stops short of its destination's centre, and its head's size.
const ARROW_GAP_PX = 9;
const ARROW_HEAD_PX = 13;
// Pixels between a site's outermost ring and its "dates uncertain" halo.
const HALO_GAP_PX = 4;
// Above this many arrows in the window, arrows are drawn without their white casing.
const CASED_ARROWS_MAX = 120;
// Site names are written on the map from this zoom on; below it they would pile up.
const SITE_LABEL_ZOOM = 8;
// Below that, down to this zoom, names are written when no more than FEW_SITES are in view.
const FEW_SITES_LABEL_ZOOM = 6;
const FEW_SITES = 15;
// Roughly the width of one character of a site label, in pixels, to keep names from overlapping.
const LABEL_CHAR_PX = 7;
// Popups never wider than a phone's screen minus room for the zoom buttons.
const POPUP = {
  maxWidth: Math.min(340, window.innerWidth - 80),
  minWidth: Math.min(220, window.innerWidth - 80),
  maxHeight: 340,
  // Generous, so a popup opened near an edge pulls its site well inside the map, not onto it.
  autoPanPadding: [64, 64],
};

// @function siteRadius(forces: number): number
export function siteRadius(forces) {
  return 7 + 3 * Math.sqrt(Math.max(1, forces));
}

// @function ringStyle(color, status, doubt?: {low, uncertain}): L.Path options (exported for tests)
export function ringStyle(color, status, { low = false, uncertain = false } = {}) {
  const style = {
    color: OUTLINE,
    weight: 2,
    opacity: 1,
    fillColor: safeColor(color),
    fillOpacity: 0.9,
    dashArray: null,
    lineCap: "round",
  };
  // Faded, not emptied: the hue must still tell actors apart for colour-blind readers.
  if (status === "drawdown") Object.assign(style, { dashArray: "6 4", fillOpacity: 0.45 });
  if (status === "contested") Object.assign(style, { dashArray: "10 3 2 3", weight: 2.5 });
  if (status === "withdrawn") Object.assign(style, { color: "#777777", fillOpacity: 0 });
  // Doubt fades the ring but keeps its dash: "drawing down, low confidence" stays dashed.
  if (low) Object.assign(style, { opacity: 0.8, fillOpacity: style.fillOpacity * 0.55 });
  if (uncertain) style.fillOpacity *= 0.7;
  return style;
}

// A dotted ring just outside a site whose dates are uncertain on the day drawn.
function haloStyle() {
  return {
    color: OUTLINE,
    weight: 2,
    opacity: 0.9,
    dashArray: "1 5",
    lineCap: "round",
    fill: false,
    interactive: false,
  };
}

// Per actor at a site: the strongest status present, and whether any of its records there is low
// confidence or has uncertain dates on the day drawn (one doubtful record is enough to flag).
export function actorRings(deployments) {
  const byActor = new Map();
  for (const d of deployments) {
    const ring = byActor.get(d.actor) || {
      actor: d.actor,
      color: d.color,
      status: d.status,
      low: false,
      uncertain: false,
      disputed: false,
      count: 0,
    };
    if ((STATUS_RANK[d.status] ?? 9) < (STATUS_RANK[ring.status] ?? 9)) ring.status = d.status;
    ring.low = ring.low || d.confidence === "low";
    ring.uncertain = ring.uncertain || Boolean(d.uncertain);
    ring.disputed = ring.disputed || Boolean(d.disputed);
    ring.count += 1;
    byActor.set(d.actor, ring);
  }
  return [...byActor.values()].sort((a, b) => b.count - a.count || a.actor.localeCompare(b.actor));
}

// @class SiteLayer
// Draws one marker per site (concentric rings when several actors share it) and owns its popup.
export class SiteLayer {
  // load(site): Promise of the site with whole deployments (notes, sources), for its card.
  constructor(map, { onOpen, onClose, load = (site) => Promise.resolve(site) } = {}) {
    this._map = map;
    this._group = L.layerGroup().addTo(map);
    this._marks = L.layerGroup().addTo(map);
    this._clusters = L.layerGroup().addTo(map);
    this._labels = L.layerGroup().addTo(map);
    this._sites = new Map();
    this._drawn = [];
    this._index = null;
    this._places = null;
    this._clustering = false;
    map.on("zoomend moveend", () => {
      if (this._clustering) this._drawView();
      this._drawLabels();
    });
    this._load = load;
    this._onOpen = onOpen;
    this._onClose = onClose;
    this._popup = L.popup(POPUP);
    this._openSlug = null;
    map.on("popupclose", (e) => {
      if (e.popup !== this._popup) return;
      this._openSlug = null;
      if (this._onClose) this._onClose();
    });
  }

  // @method setPlaces(places: Array<{slug, latlng}>): this
  // Every place a site can be drawn at (the catalogue's). Clusters are made over places, once,
  // and count the sites present on the day drawn: a step then changes counts and colours, never
  // the index, which would cost more than the rest of the step on a world-sized day.
  setPlaces(places) {
    this._places = places.filter((place) => place.latlng);
    this._index = null;
    this._leaves = new Map();
    return this;
  }

  // @method draw(sites: Array<{slug, name, kind, latlng, deployments}>, options?: {open, pan}): this
  // The popup follows the caller: `open` names the site whose popup should show (from the URL),
  // and any other popup closes. `pan: false` keeps the view as it is (a view restored by Back).
  draw(sites, { open = null, pan = true } = {}) {
    this._sites = new Map(sites.map((site) => [site.slug, site]));
    this._clustering = sites.length >= CLUSTER_FROM && Boolean(Supercluster && this._places);
    if (this._clustering && !this._index) {
      this._index = new Supercluster({ radius: CLUSTER_RADIUS_PX, maxZoom: CLUSTER_MAX_ZOOM });
      this._index.load(
        this._places.map((place) => ({
          type: "Feature",
          geometry: { type: "Point", coordinates: [place.latlng.lng, place.latlng.lat] },
          properties: { slug: place.slug },
        })),
      );
    }
    this._drawView();
    this._drawLabels();
    this.show(open, { pan });
    return this;
  }

  // The places under a cluster, asked of the index once per cluster.
  _placesIn(clusterId) {
    let slugs = this._leaves.get(clusterId);
    if (!slugs) {
      slugs = this._index.getLeaves(clusterId, Infinity).map((leaf) => leaf.properties.slug);
      this._leaves.set(clusterId, slugs);
    }
    return slugs;
  }

  // Every site one by one, or (when clustering) the clusters and lone sites of the current view.
  _drawView() {
    this._group.clearLayers();
    this._marks.clearLayers();
    this._clusters.clearLayers();
    if (!this._clustering) {
      this._drawn = [...this._sites.values()];
    } else {
      const b = this._map.getBounds();
      const zoom = Math.round(this._map.getZoom());
      const found = this._index.getClusters(
        [b.getWest(), Math.max(b.getSouth(), -85), b.getEast(), Math.min(b.getNorth(), 85)],
        zoom,
      );
      this._drawn = [];
      for (const feature of found) {
        if (!feature.properties.cluster) {
          const site = this._sites.get(feature.properties.slug);
          if (site) this._drawn.push(site);
          continue;
        }
        const present = [];
        for (const slug of this._placesIn(feature.properties.cluster_id)) {
          const site = this._sites.get(slug);
          if (site) present.push(site);
        }
        if (present.length === 1) this._drawn.push(present[0]);
        else if (present.length > 1) this._drawCluster(feature, present);
      }
      // The open site stays drawn even inside a cluster, so its popup has a marker under it.
      const open = this._openSlug && this._sites.get(this._openSlug);
      if (open && !this._drawn.includes(open)) this._drawn.push(open);
    }
    for (const site of this._drawn) this._drawSite(site);
  }

  _drawSite(site) {
    const rings = actorRings(site.deployments);
    const forces = new Set(site.deployments.map((d) => d.force)).size;
    const outer = siteRadius(forces);
    rings.forEach((ring, index) => {
      const radius = Math.max(3.5, (outer * (rings.length - index)) / rings.length);
      const marker = L.circleMarker(site.latlng, {
        radius,
        ...ringStyle(ring.color, ring.status, ring),
      });
      marker.on("click", () => this.open(site.slug));
      marker.addTo(this._group);
    });
    if (rings.some((ring) => ring.uncertain)) {
      L.circleMarker(site.latlng, { radius: outer + HALO_GAP_PX, ...haloStyle() }).addTo(
        this._marks,
      );
    }
    if (rings.some((ring) => ring.low)) {
      const icon = L.divIcon({
        className: "low-confidence-mark",
        html: h("span", {}, "?"),
        iconSize: [14, 14],
        iconAnchor: [-outer * 0.55, outer * 0.55 + 12],
      });
      L.marker(site.latlng, { icon, pane: "labels", interactive: false, keyboard: false }).addTo(
        this._marks,
      );
    }
    // A source contradicts a record here: "!" on the opposite side from the "?" badge.
    if (rings.some((ring) => ring.disputed)) {
      const icon = L.divIcon({
        className: "disputed-map-mark",
        html: h("span", { title: "disputed" }, "!"),
        iconSize: [14, 14],
        iconAnchor: [outer * 0.55 + 14, outer * 0.55 + 12],
      });
      L.marker(site.latlng, { icon, pane: "labels", interactive: false, keyboard: false }).addTo(
        this._marks,
      );
    }
  }

  // A counted disc in the colours of the actors present, biggest share first; choosing it zooms in
  // until it splits.
  _drawCluster(feature, present) {
    const [lon, lat] = feature.geometry.coordinates;
    const count = present.length;
    // Sites per actor among those present: a stamp per actor instead of a Set per site.
    const perActor = new Map();
    for (let n = 0; n < present.length; n += 1) {
      for (const d of present[n].deployments) {
        let share = perActor.get(d.actor);
        if (!share) {
          share = { name: d.actor_name, color: d.color, n: 0, stamp: -1 };
          perActor.set(d.actor, share);
        }
        if (share.stamp !== n) {
          share.stamp = n;
          share.n += 1;
        }
      }
    }
    const shares = [...perActor.entries()].sort((a, b) => b[1].n - a[1].n);
    let at = 0;
    const stops = [];
    const total = shares.reduce((sum, [, share]) => sum + share.n, 0);
    for (const [, share] of shares) {
      const next = at + (360 * share.n) / total;
      stops.push(`${safeColor(share.color)} ${at.toFixed(1)}deg ${next.toFixed(1)}deg`);
      at = next;
    }
    const names = shares.map(([actor, share]) => `${share.name || actor} ${share.n}`);
    const size = Math.round(30 + 8 * Math.log10(count));
    const disc = h("span", { class: "cluster-count" }, String(count));
    disc.style.background = `conic-gradient(${stops.join(", ")})`;
    const icon = L.divIcon({
      className: "site-cluster",
      html: disc,
      iconSize: [size, size],
    });
    const title = `${count} sites (${names.join(", ")}): zoom in`;
    const marker = L.marker([lat, lon], { icon, title, alt: title, riseOnHover: true });
    marker.on("click", () => {
      const zoom = Math.min(this._index.getClusterExpansionZoom(feature.properties.cluster_id), 18);
      this._map.setView([lat, lon], zoom);
    });
    marker.addTo(this._clusters);
  }

  // @method show(slug: string|null, options?: {pan: boolean}): this
  // Open the popup of this site if it is drawn, else close the popup.
  show(slug, { pan = true } = {}) {
    if (slug && this._sites.has(slug)) this.open(slug, { pan });
    else this.close();
    return this;
  }

  // @method close(): this
  close() {
    if (this._map.hasLayer(this._popup)) this._map.closePopup(this._popup);
    this._openSlug = null;
    return this;
  }

  // Names from SITE_LABEL_ZOOM on; below it only when few sites are in view, biggest first, and
  // skipping a name whose box would overlap one already written (an estimate from its length).
  _drawLabels() {
    this._labels.clearLayers();
    const map = this._map;
    const zoom = map.getZoom();
    if (zoom < FEW_SITES_LABEL_ZOOM) return;
    const bounds = map.getBounds();
    const inView = this._drawn.filter((site) => bounds.contains(site.latlng));
    const close = zoom < SITE_LABEL_ZOOM;
    if (close && inView.length > FEW_SITES) return;
    const forcesAt = (site) => new Set(site.deployments.map((d) => d.force)).size;
    inView.sort((a, b) => forcesAt(b) - forcesAt(a) || a.name.localeCompare(b.name));
    const taken = [];
    for (const site of inView) {
      const radius = siteRadius(forcesAt(site));
      const at = map.latLngToContainerPoint(site.latlng);
      const box = {
        left: at.x + radius + 4,
        top: at.y - 9,
        right: at.x + radius + 4 + site.name.length * LABEL_CHAR_PX,
        bottom: at.y + 9,
      };
      const overlaps = (other) =>
        box.left < other.right &&
        other.left < box.right &&
        box.top < other.bottom &&
        other.top < box.bottom;
      if (close && taken.some(overlaps)) continue;
      taken.push(box);
      const icon = L.divIcon({
        className: "site-label",
        html: h("span", {}, site.name),
        iconSize: null,
        iconAnchor: [-radius - 4, 8],
      });
      L.marker(site.latlng, { icon, pane: "labels", interactive: false, keyboard: false }).addTo(
        this._labels,
      );
    }
  }

  has(slug) {
    return this._sites.has(slug);
  }

  get(slug) {
    return this._sites.get(slug);
  }

  // @method open(slug: string, options?: {pan: boolean}): this
  open(slug, { pan = true } = {}) {
    const site = this._sites.get(slug);
    if (!site) return this;
    this._openSlug = slug;
    this._popup.options.autoPan = pan;
    const full = this._load(site);
    const card = withEvidence(siteCard(site), full, siteCard, () => {
      if (this._openSlug === slug) this._popup.update();
    });
    this._popup.setLatLng(site.latlng).setContent(card);
    if (!this._map.hasLayer(this._popup)) this._popup.openOn(this._map);
    else this._popup.update();
    if (this._onOpen) this._onOpen(site, full);
    return this;
  }
}

function arrowParts(map, from, to) {
  const zoom = map.getZoom();
  const a = map.project(from, zoom);
  const b = map.project(to, zoom);
  const length = a.distanceTo(b);
  if (length < 1) return null;
  const unit = b.subtract(a).divideBy(length);
  const normal = L.point(-unit.y, unit.x);
  const gap = Math.min(ARROW_GAP_PX, length / 4);
  const tip = b.subtract(unit.multiplyBy(gap));
  const head = Math.min(ARROW_HEAD_PX, length / 2);
  const base = tip.subtract(unit.multiplyBy(head));
  const wing = normal.multiplyBy(head * 0.5);
  const back = (point) => map.unproject(point, zoom);
  return {
    line: [back(a.add(unit.multiplyBy(Math.min(4, length / 4)))), back(base)],
    head: [back(tip), back(base.add(wing)), back(base.subtract(wing))],
  };
}

// @class MovementLayer
// Arrows from origin to destination; heads are computed in pixels, so they are redrawn on zoom.
export class MovementLayer {
  // load(movement properties): Promise of the whole movement (description, sources).
  constructor(map, { load = (m) => Promise.resolve(m) } = {}) {
    this._map = map;
    this._load = load;
    this._renderer = L.canvas({ pane: "movements" });
    this._group = L.layerGroup().addTo(map);
    this._items = [];
    this._popup = L.popup(POPUP);
    map.on("zoomend", () => this._redraw());
  }

  // @method draw(features: Array<GeoJSON Feature>): this
  draw(features) {
    this._items = features;
    this._redraw();
    return this;
  }

  open(feature, latlng) {
    const card = withEvidence(
      movementCard(feature.properties),
      this._load(feature.properties),
      movementCard,
      () => this._popup.update(),
    );
    this._popup.setLatLng(latlng).setContent(card).openOn(this._map);
  }

  _redraw() {
    this._group.clearLayers();
    const renderer = this._renderer;
    // A white casing keeps a few arrows readable over markers; hundreds of them are a tangle
    // either way, and the casings would cost a third of the drawing.
    const cased = this._items.length <= CASED_ARROWS_MAX;
    for (const feature of this._items) {
      const { geometry, properties: m } = feature;
      const color = safeColor(m.color);
      const dash = m.confidence === "low" ? "2 6" : null;
      if (geometry.type === "Point") {
        // Off-map destination: a tag at the origin naming where it went, since no arrow can point there.
        const at = L.latLng(geometry.coordinates[1], geometry.coordinates[0]);
        const tag = h("span", {}, `→ ${m.to_name || "off the map"}`);
        tag.style.borderColor = color;
        const icon = L.divIcon({
          className: "offmap-tag",
          html: tag,
          iconSize: null,
          iconAnchor: [-14, 28],
        });
        const marker = L.marker(at, {
          icon,
          keyboard: false,
          title: `Movement to ${m.to_name || "off the map"}`,
        });
        marker.on("click", () => this.open(feature, at));
        marker.addTo(this._group);
        continue;
      }
      const [[lon1, lat1], [lon2, lat2]] = geometry.coordinates;
      const parts = arrowParts(this._map, L.latLng(lat1, lon1), L.latLng(lat2, lon2));
      if (!parts) continue;
      const middle = L.latLng((lat1 + lat2) / 2, (lon1 + lon2) / 2);
      const layers = [
        cased
          ? L.polyline(parts.line, {
              renderer,
              color: "#ffffff",
              weight: 7,
              opacity: 0.85,
              interactive: false,
            })
          : null,
        L.polyline(parts.line, { renderer, color, weight: 3.5, dashArray: dash, lineCap: "butt" }),
        L.polygon(parts.head, {
          renderer,
          color: "#ffffff",
          weight: 1.5,
          fillColor: color,
          fillOpacity: 1,
        }),
      ];
      for (const layer of layers) {
        if (!layer) continue;
        layer.on("click", () => this.open(feature, middle));
        layer.addTo(this._group);
      }
    }
  }
}

// @class EventLayer
// Small diamonds (DOM markers, so they take keyboard focus) offset up-left of the site they mark.
export class EventLayer {
  constructor(map, { card }) {
    this._map = map;
    this._card = card;
    this._group = L.layerGroup().addTo(map);
    this._markers = new Map();
  }

  // Markers of events still in the window are kept as they are: a step that moves the window by
  // a week adds and removes a few, rather than rebuilding a hundred in the page.
  draw(features) {
    const kept = new Map();
    const perPlace = new Map();
    for (const feature of features) {
      if (!feature.geometry || feature.geometry.type !== "Point") continue;
      const [lon, lat] = feature.geometry.coordinates;
      const key = `${lat},${lon}`;
      const index = perPlace.get(key) || 0;
      perPlace.set(key, index + 1);
      const e = feature.properties;
      const same = this._markers.get(e.slug);
      const look = `${index}|${e.confidence}|${e.title}`;
      if (same && same.options.look === look && !kept.has(e.slug)) {
        kept.set(e.slug, same);
        continue;
      }
      const icon = L.divIcon({
        className: `event-mark${e.confidence === "low" ? " event-low" : ""}`,
        html: h("span"),
        iconSize: [12, 12],
        iconAnchor: [20 + index * 13, 20],
      });
      const marker = L.marker([lat, lon], {
        icon,
        title: `Event: ${e.title}`,
        alt: e.title,
        riseOnHover: true,
        look,
      });
      marker.bindPopup(() => this._card(e), POPUP);
      marker.addTo(this._group);
      kept.set(e.slug, marker);
    }
    for (const [slug, marker] of this._markers) {
      if (kept.get(slug) !== marker) this._group.removeLayer(marker);
    }
    this._markers = kept;
    return this;
  }

  open(slug) {
    this._markers.get(slug)?.openPopup();
  }

  has(slug) {
    return this._markers.has(slug);
  }

  latLng(slug) {
    return this._markers.get(slug)?.getLatLng();
  }
}
