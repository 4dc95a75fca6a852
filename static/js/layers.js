// Leaflet drawing: sites, movement arrows and event symbols (the map and basemap: basemap.js).
// Sites and arrows go on canvas renderers so hundreds of markers stay smooth; status is carried by
// the outline's dash pattern, never by colour alone. Doubt has its own marks that never replace
// the status dash and never touch the fill: a paler fill would turn one actor's colour into
// another's (faded US blue reads as the Syrian government's light blue; docs/colours.md). Low
// confidence is a white dotted ring inside the actor's ring plus a "?" badge; dates uncertain
// (a day inside a coarse start's or end's period) is a dotted halo outside.
//
// Crowded places (Qamishli's city and airport are 5 km apart, a few pixels at the default zoom):
// markers closer than their radii are fanned out around their centre with a thin leader line to
// the true point, rather than grouped under a count, because a handful of sites at one town is the
// common case and each must stay one click away (clusters count sites only from CLUSTER_FROM on).
// Names are placed greedily by priority (the open site, then the busier, then by name): beside
// the marker, else pushed out with a leader line; a name that still finds no free place is left
// out until zoomed in. Names are buttons, like markers. Events at one place are one badge with a
// count whose popup lists them. On touch screens every target is 44 px unless that would cover a
// neighbouring marker.

import { boxIn, h, safeColor } from "./dom.js";
import { movementCard, siteCard, withEvidence } from "./details.js";
import { formatWhen } from "./format.js";

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
// Below that, down to this zoom, names are written when no more than FEW_SITES are in view
// (placed by priority, overlaps left out); more would leave a few names scattered among many.
const FEW_SITES_LABEL_ZOOM = 6;
const FEW_SITES = 30;
// At most this many names are tried, by priority: placement is quadratic in names, and a view
// of a world-sized theatre can hold thousands of sites.
const LABELS_TRIED = 250;
// Pixels between a marker's edge and its name, and a name's height (the CSS font is 0.78rem).
const LABEL_GAP_PX = 4;
const LABEL_HEIGHT_PX = 16;
// Where no place beside a marker is free, its name may stand up to LABEL_PUSHES steps of this
// many pixels farther out, with a leader line back to the marker.
const LABEL_PUSH_PX = 22;
const LABEL_PUSHES = 2;
// Names keep this far from the map's left and right sides.
const EDGE_PX = 2;
// Pixels kept between the edges of two site markers; markers closer than that are fanned out,
// enough apart that the leader lines to their true points show between them.
const FAN_GAP_PX = 12;
// Events whose badges would fall within this many pixels of each other share one badge.
const EVENT_MERGE_PX = 12;
// Touch screens (and phone-sized windows): every tap target is at least this many pixels across
// (WCAG 2.5.5). Where two targets overlap, a tap goes to the nearer marker, rather than fanning
// markers 44 px apart, which would push a phone's whole north-east off its true places.
const TAP_PX = 44;
const touch = window.matchMedia("(pointer: coarse), (max-width: 760px)");

// Popup sizes from the map's own size, each time one opens: a popup never wider or taller than
// the map minus the padding autoPan keeps around it, so it is never clipped (a phone's map is
// 390 px wide and some 450 px tall).
// @function fitPopup(popup: L.Popup, map: L.Map): L.Popup
export function fitPopup(popup, map) {
  const size = map.getSize();
  const pad = size.x < 600 ? 12 : 48;
  // A control in the top-right corner (a phone's scale) would cover the close button: popups
  // keep below it.
  const container = map.getContainer();
  const corner = container.querySelector(".leaflet-top.leaflet-right .leaflet-control");
  const top = Math.max(pad, corner ? boxIn(corner, container).bottom + 4 : 0);
  // maxWidth is the content's: the popup's margins (0.9rem each side) and border come on top,
  // and the top-left padding is wider, for the zoom buttons.
  const width = size.x - 2 * pad - 40 - 40;
  Object.assign(popup.options, {
    maxWidth: Math.max(160, Math.min(340, width)),
    minWidth: Math.max(120, Math.min(220, width)),
    // Room for the popup's margins, close button and tip below the scrolled content.
    maxHeight: Math.max(120, Math.min(340, size.y - pad - top - 70)),
    autoPan: popup.options.autoPan !== false,
    autoPanPadding: [pad, pad],
    // The zoom buttons sit in the top-left corner: keep popups clear of them. (Leaflet takes
    // the top edge's padding from this corner's.)
    autoPanPaddingTopLeft: [pad + 40, top],
  });
  return popup;
}

// @function siteRadius(forces: number): number
export function siteRadius(forces) {
  return 7 + 3 * Math.sqrt(Math.max(1, forces));
}

// @function ringStyle(color, status): L.Path options (exported for tests)
// A third argument (the ring's doubt) is accepted and changes nothing: see the last comment below.
export function ringStyle(color, status) {
  const style = {
    color: OUTLINE,
    weight: 2,
    opacity: 1,
    fillColor: safeColor(color),
    fillOpacity: 0.9,
    dashArray: null,
    lineCap: "round",
  };
  // A little lighter, never faded far: at 0.75 over the land the lightest pair of actors (US
  // drawing down, Syrian government active) still differs by ΔE00 ≥ 10 (docs/colours.md).
  if (status === "drawdown") Object.assign(style, { dashArray: "6 4", fillOpacity: 0.75 });
  if (status === "contested") Object.assign(style, { dashArray: "10 3 2 3", weight: 2.5 });
  // Colour-free by design: a place an actor has left is grey and hollow whoever it was.
  if (status === "withdrawn") Object.assign(style, { color: "#777777", fillOpacity: 0 });
  // Doubt is drawn by doubtStyle's inner ring, the "?" badge and the halo: never by the fill,
  // whose colour must stay the actor's, and never by the dash, which is the status's.
  return style;
}

// @function doubtStyle(radius: number): L.CircleMarker options (exported for tests)
// The low-confidence mark: a white dotted ring just inside the actor's ring, over its fill.
export function doubtStyle(radius) {
  return {
    radius: Math.max(1.5, radius - 3.5),
    color: "#ffffff",
    weight: 1.8,
    opacity: 1,
    dashArray: "1.5 3",
    lineCap: "round",
    fill: false,
    interactive: false,
  };
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

// One label font for measuring names, so the overlap test uses real widths, not a guess.
let measureContext = null;
function textWidth(text, element) {
  if (!measureContext) {
    measureContext = document.createElement("canvas").getContext("2d");
    const family = getComputedStyle(element).fontFamily || "sans-serif";
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    measureContext.font = `650 ${0.78 * rem}px ${family}`;
  }
  return Math.ceil(measureContext.measureText(text).width) + 2;
}

// Where an event badge may go, relative to its marker's centre, in order of preference: below
// it on the left, below it on the right, then left and right of it; clear of the "?" and "!"
// badges and off-map tags (above). `out` is the way its touch target grows, away from the marker.
// Names keep out of the badges actually drawn (SiteLayer.setBadges).
const BADGE_SLOT_PX = { width: 30, height: 14 };
function badgeSlots(radius, width) {
  const { height } = BADGE_SLOT_PX;
  const low = 0.6 * radius + 2;
  return [
    { left: -0.7 * radius - width, top: low, out: L.point(-1, 1) },
    { left: 0.7 * radius, top: low, out: L.point(1, 1) },
    { left: -radius - 6 - width, top: -height / 2, out: L.point(-1, 0) },
    { left: radius + 6, top: -height / 2, out: L.point(1, 0) },
    { left: -width / 2, top: radius + 4, out: L.point(0, 1) },
    { left: -0.7 * radius - width, top: -low - height, out: L.point(-1, -1) },
    { left: 0.7 * radius, top: -low - height, out: L.point(1, -1) },
  ].map((slot) => ({ ...slot, right: slot.left + width, bottom: slot.top + height }));
}

// A badge's touch target: TAP_PX square, holding the badge at its corner nearest the marker.
function tapBox(slot) {
  const grow = (lo, hi, way) => {
    const extra = Math.max(0, TAP_PX - (hi - lo));
    if (way < 0) return [lo - extra, hi];
    if (way > 0) return [lo, hi + extra];
    return [lo - extra / 2, hi + extra / 2];
  };
  const [left, right] = grow(slot.left, slot.right, slot.out.x);
  const [top, bottom] = grow(slot.top, slot.bottom, slot.out.y);
  return { left, right, top, bottom };
}

function discBox(point, radius) {
  return {
    left: point.x - radius,
    right: point.x + radius,
    top: point.y - radius,
    bottom: point.y + radius,
  };
}

function moveBox(box, by) {
  return {
    left: box.left + by.x,
    right: box.right + by.x,
    top: box.top + by.y,
    bottom: box.bottom + by.y,
  };
}

// A name on one line, and for a name of several words also on two lines and (three words or
// more) on three, cut where the longest line is shortest: each fits where a wider one would not.
function labelShapes(name, element) {
  const words = name.split(" ");
  const shape = (lines) => ({
    lines,
    width: Math.max(...lines.map((line) => textWidth(line, element))),
  });
  const shapes = [shape([name])];
  if (words.length >= 2) shapes.push(shape(balancedLines(words, 2)));
  // A long name ("Qamishli International Airport") may stand narrow and tall where a phone's
  // crowded north-east leaves no room as wide as two lines.
  if (words.length >= 3) shapes.push(shape(balancedLines(words, 3)));
  return shapes;
}

// Words cut into `count` lines whose longest (in characters) is as short as can be.
function balancedLines(words, count) {
  let best = null;
  const split = (from, left, lines) => {
    if (left === 1) {
      const all = [...lines, words.slice(from).join(" ")];
      const longest = Math.max(...all.map((line) => line.length));
      if (!best || longest < best.longest) best = { lines: all, longest };
      return;
    }
    for (let end = from + 1; end <= words.length - left + 1; end += 1) {
      split(end, left - 1, [...lines, words.slice(from, end).join(" ")]);
    }
  };
  split(0, count, []);
  return best.lines;
}

// Where a name of this shape may go around a marker at `at`, in order of preference: right,
// left, below (right of the badge slot), above-right, above-left; then the same pushed out by
// LABEL_PUSH_PX steps, tied to the marker by a leader line (`away`), where it is crowded.
// A name above or below a marker near the map's side is also tried slid back inside the map
// (`mapWidth`), as a phone's narrow map needs for long names by its edge.
function labelBoxes(at, radius, { lines, width }, out = null, mapWidth = Infinity) {
  const height = LABEL_HEIGHT_PX * lines.length;
  const boxes = [];
  // A fanned marker's names go outward first (a stable sort keeps the usual order among ties).
  const outward = (box) =>
    out ? -((box.left + box.right) / 2 - at.x) * out.x - ((box.top + box.bottom) / 2 - at.y) * out.y : 0;
  for (let away = 0; away <= LABEL_PUSHES; away += 1) {
    const gap = radius + LABEL_GAP_PX + away * LABEL_PUSH_PX;
    // Corner places are pushed out diagonally, so their leaders slant clear of close markers.
    const side = away * LABEL_PUSH_PX;
    boxes.push(
      ...[
        { left: at.x + gap, top: at.y - height / 2 },
        { left: at.x - gap - width, top: at.y - height / 2 },
        { left: at.x - 0.7 * radius + side, top: at.y + gap - 1, aboveOrBelow: true },
        {
          left: at.x + radius - width - side,
          top: at.y + gap - 1 + (away ? 0 : BADGE_SLOT_PX.height),
          aboveOrBelow: true,
        },
        { left: at.x + 0.5 * radius + side, top: at.y - gap - height, aboveOrBelow: true },
        { left: at.x - 0.5 * radius - width - side, top: at.y - gap - height, aboveOrBelow: true },
      ]
        .map((box) => ({
          ...box,
          right: box.left + width,
          bottom: box.top + height,
          lines,
          away,
        }))
        .sort((a, b) => Math.sign(outward(a) - outward(b))),
    );
    for (const box of boxes.slice(-6).filter((candidate) => candidate.aboveOrBelow)) {
      const slide =
        box.left < EDGE_PX
          ? EDGE_PX - box.left
          : Math.min(0, mapWidth - EDGE_PX - box.right);
      if (!slide || width > mapWidth - 2 * EDGE_PX) continue;
      const left = box.left + slide;
      // Slid clear of its marker's column, a name needs a leader to say whose it is.
      const beside = left <= at.x + radius && left + width >= at.x - radius;
      boxes.push({ ...box, left, right: left + width, away: beside ? away : Math.max(away, 1) });
    }
  }
  return boxes;
}

// A name's box grown to its touch target (the padding marks.css gives it on touch screens).
function tapTarget(box) {
  if (!touch.matches) return box;
  const grow = Math.max(0, (TAP_PX - (box.bottom - box.top)) / 2);
  return { ...box, top: box.top - grow, bottom: box.bottom + grow };
}

// A pushed name's leader: from the marker's edge to the nearest point of the name's box.
function leader(box, at, radius = 0) {
  const edge = L.point(
    Math.min(Math.max(at.x, box.left), box.right),
    Math.min(Math.max(at.y, box.top), box.bottom),
  );
  const from = at.add(edge.subtract(at).multiplyBy(radius / Math.max(1, at.distanceTo(edge))));
  return [from, edge];
}

// Whether the segment a–b comes within `distance` of point c.
function nearSegment(a, b, c, distance) {
  const d = b.subtract(a);
  const length2 = d.x * d.x + d.y * d.y;
  const t = length2 ? Math.max(0, Math.min(1, ((c.x - a.x) * d.x + (c.y - a.y) * d.y) / length2)) : 0;
  return a.add(d.multiplyBy(t)).distanceTo(c) < distance;
}

// Whether the segment a–b passes through the inside of a box (Liang–Barsky clipping); a segment
// that only touches its edge, as a leader touches its own name, does not count.
function crosses(a, b, box) {
  const d = b.subtract(a);
  let t0 = 0;
  let t1 = 1;
  const sides = [
    [-d.x, a.x - box.left],
    [d.x, box.right - a.x],
    [-d.y, a.y - box.top],
    [d.y, box.bottom - a.y],
  ];
  for (const [p, q] of sides) {
    if (p === 0) {
      if (q <= 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 >= t1) return false;
  }
  return t1 - t0 > 1e-6;
}

const overlaps = (a, b) =>
  a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

function forcesAt(site) {
  return new Set(site.deployments.map((d) => d.force)).size;
}

// @function fanOut(items: Array<{point: L.Point, radius}>): Array<L.Point>
// Where to draw each marker so none overlaps another (exported for tests). Markers whose discs
// come within FAN_GAP_PX are grouped; each group is laid on a circle around its centre, in the
// order of their true bearings from it, just wide enough that neighbours clear each other. A
// lone marker stays at its true point.
export function fanOut(items) {
  const need = (a, b) => a.radius + b.radius + FAN_GAP_PX;
  const parent = items.map((_, n) => n);
  const root = (n) => (parent[n] === n ? n : (parent[n] = root(parent[n])));
  for (let i = 0; i < items.length; i += 1) {
    for (let j = i + 1; j < items.length; j += 1) {
      if (items[i].point.distanceTo(items[j].point) < need(items[i], items[j])) {
        parent[root(i)] = root(j);
      }
    }
  }
  const groups = new Map();
  items.forEach((_, n) => {
    const r = root(n);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r).push(n);
  });
  const shown = items.map((item) => item.point);
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const centre = members
      .reduce((sum, n) => sum.add(items[n].point), L.point(0, 0))
      .divideBy(members.length);
    const bearing = (n) => {
      const d = items[n].point.subtract(centre);
      // Sites at the very same point have no bearing: they go round the clock in list order.
      return d.x * d.x + d.y * d.y < 0.01 ? -Math.PI / 2 + n * 1e-6 : Math.atan2(d.y, d.x);
    };
    members.sort((a, b) => bearing(a) - bearing(b));
    const k = members.length;
    const chord = 2 * Math.sin(Math.PI / k);
    let radius = 0;
    members.forEach((n, index) => {
      const next = members[(index + 1) % k];
      radius = Math.max(radius, need(items[n], items[next]) / chord);
    });
    const start = bearing(members[0]);
    members.forEach((n, index) => {
      const angle = start + (2 * Math.PI * index) / k;
      shown[n] = centre.add(L.point(Math.cos(angle), Math.sin(angle)).multiplyBy(radius));
    });
  }
  return shown;
}

// @class SiteLayer
// Draws one marker per site (concentric rings when several actors share it) and owns its popup.
export class SiteLayer {
  // load(site): Promise of the site with whole deployments (notes, sources), for its card.
  constructor(map, { onOpen, onClose, load = (site) => Promise.resolve(site) } = {}) {
    this._map = map;
    this._hits = L.layerGroup().addTo(map);
    this._leaders = L.layerGroup().addTo(map);
    this._group = L.layerGroup().addTo(map);
    this._marks = L.layerGroup().addTo(map);
    this._clusters = L.layerGroup().addTo(map);
    this._labels = L.layerGroup().addTo(map);
    this._sites = new Map();
    this._drawn = [];
    // Where each drawn site's marker is (its true point unless fanned out), and its radius.
    this._shown = new Map();
    this._shownByPoint = new Map();
    // Event badges on the map, as {latlng, radius} of the marker each hangs off.
    this._badges = [];
    this._badgesFrom = new Map();
    this._markerBoxes = [];
    this._index = null;
    this._places = null;
    this._clustering = false;
    // Fanning is in pixels, so a zoom redraws the markers; a pan only moves names in or out.
    map.on("zoomend", () => {
      this._drawView();
      this._drawLabels();
    });
    map.on("moveend", () => {
      if (this._clustering) this._drawView();
      this._drawLabels();
    });
    this._load = load;
    this._onOpen = onOpen;
    this._onClose = onClose;
    this._popup = L.popup();
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

  // @method shownAt(latlng: L.LatLng): {latlng, radius}
  // Where the marker of the site at this true point is drawn, and its radius (0 if none is):
  // arrows, tags and event badges hang off the marker a reader sees, not the hidden true point.
  shownAt(latlng) {
    return this._shownByPoint.get(pointKey(latlng)) || { latlng: L.latLng(latlng), radius: 0 };
  }

  // @method setBadges(boxes: Array<{left, right, top, bottom}>, from?: string): this
  // Where other layers draw marks that hang off markers (event badges, off-map movement tags),
  // in layer pixels, by layer: names are placed again to keep clear of all of them.
  setBadges(boxes, from = "events") {
    this._badgesFrom.set(from, boxes);
    this._badges = [...this._badgesFrom.values()].flat();
    this._drawLabels();
    return this;
  }

  // @method discs(): Array<{point: L.Point, radius}>
  // The drawn markers in layer pixels, for badges to keep off.
  discs() {
    return this._drawn.map((site) => {
      const { latlng, radius } = this._shown.get(site.slug);
      return { point: this._map.latLngToLayerPoint(latlng), radius };
    });
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
    this._hits.clearLayers();
    this._leaders.clearLayers();
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
    this._layOut();
    // Touch: an invisible disc beneath each marker makes its tap target TAP_PX across; all of
    // them are drawn before any ring, so a ring is always on top of a neighbour's target.
    if (touch.matches) {
      for (const site of this._drawn) {
        const hit = L.circleMarker(this._shown.get(site.slug).latlng, {
          radius: TAP_PX / 2,
          stroke: false,
          fill: true,
          fillOpacity: 0,
        });
        hit.on("click", (e) => this._openNearest(e.containerPoint));
        hit.addTo(this._hits);
      }
    }
    for (const site of this._drawn) this._drawSite(site);
    // A zoom moves fanned markers: the open popup follows its marker.
    if (this._openSlug && this._shown.has(this._openSlug) && this._map.hasLayer(this._popup)) {
      this._popup.setLatLng(this._shown.get(this._openSlug).latlng);
    }
  }

  // Where each drawn site goes on the screen at this zoom (fanOut), kept for labels and badges.
  _layOut() {
    const map = this._map;
    const items = this._drawn.map((site) => ({
      point: map.latLngToLayerPoint(site.latlng),
      radius: siteRadius(forcesAt(site)),
    }));
    const shown = fanOut(items);
    this._shown = new Map();
    this._shownByPoint = new Map();
    this._drawn.forEach((site, n) => {
      const moved = !shown[n].equals(items[n].point);
      const away = shown[n].subtract(items[n].point);
      const place = {
        latlng: moved ? map.layerPointToLatLng(shown[n]) : L.latLng(site.latlng),
        radius: items[n].radius,
        moved,
        // The way a fanned marker was pushed: its name goes on that side, away from the rest.
        out: moved ? away.divideBy(Math.max(1e-6, away.distanceTo(L.point(0, 0)))) : null,
      };
      this._shown.set(site.slug, place);
      // Several sites at one true point: the first (the list is busiest first) carries the rest.
      if (!this._shownByPoint.has(pointKey(site.latlng))) {
        this._shownByPoint.set(pointKey(site.latlng), place);
      }
    });
  }

  _drawSite(site) {
    const rings = actorRings(site.deployments);
    const { latlng, radius: outer, moved } = this._shown.get(site.slug);
    const open = () => this.open(site.slug);
    if (moved) {
      // A thin leader from the fanned marker back to the true point, marked by a dot.
      L.polyline([site.latlng, latlng], {
        color: OUTLINE,
        weight: 1.2,
        opacity: 0.75,
        interactive: false,
      }).addTo(this._leaders);
      L.circleMarker(site.latlng, {
        radius: 2.5,
        stroke: false,
        fillColor: OUTLINE,
        fillOpacity: 1,
        interactive: false,
      }).addTo(this._leaders);
    }
    rings.forEach((ring, index) => {
      const radius = Math.max(3.5, (outer * (rings.length - index)) / rings.length);
      const marker = L.circleMarker(latlng, { radius, ...ringStyle(ring.color, ring.status) });
      marker.on("click", open);
      marker.addTo(this._group);
      if (ring.low && ring.status !== "withdrawn") {
        L.circleMarker(latlng, doubtStyle(radius)).addTo(this._group);
      }
    });
    if (rings.some((ring) => ring.uncertain)) {
      L.circleMarker(latlng, { radius: outer + HALO_GAP_PX, ...haloStyle() }).addTo(this._marks);
    }
    if (rings.some((ring) => ring.low)) {
      const icon = L.divIcon({
        className: "low-confidence-mark",
        html: h("span", {}, "?"),
        iconSize: [14, 14],
        iconAnchor: [-outer * 0.55, outer * 0.55 + 12],
      });
      L.marker(latlng, { icon, pane: "labels", interactive: false, keyboard: false }).addTo(
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
      L.marker(latlng, { icon, pane: "labels", interactive: false, keyboard: false }).addTo(
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

  // A tap in the overlap of two tap targets opens the marker whose centre is nearer.
  _openNearest(point) {
    let best = null;
    let bestDistance = Infinity;
    for (const site of this._drawn) {
      const at = this._map.latLngToContainerPoint(this._shown.get(site.slug).latlng);
      const distance = at.distanceTo(point);
      if (distance < bestDistance) {
        best = site;
        bestDistance = distance;
      }
    }
    if (best) this.open(best.slug);
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

  // Names from SITE_LABEL_ZOOM on; below it only when few sites are in view. Placed greedily in
  // priority order (the open site, then the busier: forces plus events shown, then more actors,
  // then by name), beside the marker or else pushed out on a leader; a name that would cover
  // another name, a marker, a badge or a map control is left out, and comes back on zooming in.
  // Names are buttons: a click or Enter opens the site.
  _drawLabels() {
    this._labels.clearLayers();
    this._markerBoxes = [];
    const map = this._map;
    const zoom = map.getZoom();
    if (zoom < FEW_SITES_LABEL_ZOOM) return;
    const bounds = map.getBounds();
    const inView = this._drawn.filter((site) =>
      bounds.contains(this._shown.get(site.slug)?.latlng || site.latlng),
    );
    if (zoom < SITE_LABEL_ZOOM && inView.length > FEW_SITES) return;
    const actorsAt = (site) => new Set(site.deployments.map((d) => d.actor)).size;
    const rank = (site) => (site.slug === this._openSlug ? 0 : 1);
    // Busier: more forces present plus more events in the window shown at its marker, so where
    // things are happening (Qamishli's airport in January 2026) is named before a quiet base.
    const eventsHere = new Map();
    for (const badge of this._badges) {
      if (!badge.events) continue;
      const key = `${Math.round(badge.at.x)},${Math.round(badge.at.y)}`;
      eventsHere.set(key, (eventsHere.get(key) || 0) + badge.events);
    }
    const busy = new Map(
      inView.map((site) => {
        const at = map.latLngToLayerPoint(this._shown.get(site.slug).latlng);
        const events = eventsHere.get(`${Math.round(at.x)},${Math.round(at.y)}`) || 0;
        return [site.slug, forcesAt(site) + events];
      }),
    );
    inView.sort(
      (a, b) =>
        rank(a) - rank(b) ||
        busy.get(b.slug) - busy.get(a.slug) ||
        actorsAt(b) - actorsAt(a) ||
        a.name.localeCompare(b.name),
    );
    inView.length = Math.min(inView.length, LABELS_TRIED);
    const points = new Map(
      inView.map((site) => [
        site.slug,
        map.latLngToContainerPoint(this._shown.get(site.slug).latlng),
      ]),
    );
    // Every marker and event-badge slot is an obstacle too: a name never covers another site
    // or a badge.
    const shift = (box, at) => ({
      left: at.x + box.left,
      right: at.x + box.right,
      top: at.y + box.top,
      bottom: at.y + box.bottom,
    });
    const discs = inView.map((site) => {
      const at = points.get(site.slug);
      const r = this._shown.get(site.slug).radius;
      const box = shift({ left: -r, right: r, top: -r, bottom: r }, at);
      return { slug: site.slug, box, centre: at, radius: r };
    });
    const origin = map.layerPointToContainerPoint(L.point(0, 0));
    const container = map.getContainer();
    // The map's own controls (zoom buttons, scale, credit line) cover names under them.
    const controls = [...container.querySelectorAll(".leaflet-control")].map((control) =>
      boxIn(control, container),
    );
    const taken = [...this._badges.map((box) => moveBox(box, origin)), ...controls];
    const size = map.getSize();
    // One pass in priority order: a busier site's name, pushed out if need be, comes before a
    // quieter site's name beside its marker.
    const placed = new Map();
    // Leader lines already drawn: a name may not lie across one, nor a leader cross a name or
    // another marker, or the line would seem to tie a name to the wrong site.
    const leaders = [];
    const names = [];
    const clear = (site, at, candidate) => {
      if (candidate.left < 0 || candidate.right > size.x) return false;
      if (candidate.top < 0 || candidate.bottom > size.y) return false;
      if (taken.some((other) => overlaps(tapTarget(candidate), other))) return false;
      const others = discs.filter((disc) => disc.slug !== site.slug).map((disc) => disc.box);
      if (others.some((box) => overlaps(candidate, box))) return false;
      if (leaders.some(([a, b]) => crosses(a, b, candidate))) return false;
      if (!candidate.away) return true;
      // A leader may pass an event badge; it may not cross another name or marker.
      const [a, b] = leader(candidate, at);
      if (names.some((box) => crosses(a, b, box))) return false;
      return !discs.some(
        (disc) => disc.slug !== site.slug && nearSegment(a, b, disc.centre, disc.radius + 2),
      );
    };
    for (const site of inView) {
      const at = points.get(site.slug);
      const { radius, out } = this._shown.get(site.slug);
      const candidates = labelShapes(site.name, container).flatMap((shape) =>
        labelBoxes(at, radius, shape, out, size.x),
      );
      // Beside the marker on one line or two, else pushed out, nearest first.
      candidates.sort((a, b) => a.away - b.away);
      const box = candidates.find((candidate) => clear(site, at, candidate));
      if (!box) continue;
      // On touch screens a name's target is TAP_PX tall (marks.css pads it): targets, not
      // just the words, must not overlap, or a tap on one name would open its neighbour.
      taken.push(tapTarget(box));
      names.push(box);
      if (box.away) leaders.push(leader(box, at, radius));
      placed.set(site.slug, box);
    }
    for (const [slug, box] of placed) this._drawLabel(this._sites.get(slug), box, points.get(slug));
    // The markers are drawn on a canvas, out of the page's reach: town names (basemap.js) ask
    // where they are (markerBoxes), and are placed again now.
    this._markerBoxes = discs.map((disc) => disc.box);
    map.fire("sitesplaced");
  }

  // @method markerBoxes(): Array<{left, right, top, bottom}>
  // The markers in view as last named, in map (container) pixels.
  markerBoxes() {
    return this._markerBoxes;
  }

  _drawLabel(site, box, at) {
    const map = this._map;
    const { latlng, radius } = this._shown.get(site.slug);
    if (box.away) {
      const [from, edge] = leader(box, at, radius);
      L.polyline([map.containerPointToLatLng(from), map.containerPointToLatLng(edge)], {
        color: "#555555",
        weight: 1,
        opacity: 0.9,
        interactive: false,
      }).addTo(this._labels);
    }
    const lines = box.lines.flatMap((line, n) => (n ? [h("br"), line] : [line]));
    const icon = L.divIcon({
      className: `site-label site-label-${box.lines.length}`,
      html: h("span", { dataset: { site: site.slug } }, lines),
      iconSize: null,
      iconAnchor: [at.x - box.left, at.y - box.top],
    });
    const label = L.marker(latlng, {
      icon,
      pane: "labels",
      keyboard: true,
      // Names are only drawn in view; Leaflet's pan on focus would move the map between a
      // click's press and release (and so redraw the name under it, losing the click).
      autoPanOnFocus: false,
      title: `${site.name}: open its details`,
    });
    label.on("click", () => this.open(site.slug));
    label.on("keypress", (e) => {
      if (e.originalEvent.key === "Enter" || e.originalEvent.key === " ") this.open(site.slug);
    });
    label.addTo(this._labels);
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
    const relabel = this._openSlug !== slug;
    this._openSlug = slug;
    fitPopup(this._popup, this._map);
    this._popup.options.autoPan = pan;
    const full = this._load(site);
    const card = withEvidence(siteCard(site), full, siteCard, () => {
      if (this._openSlug === slug) this._popup.update();
    });
    const at = this._shown.get(slug)?.latlng || site.latlng;
    this._popup.setLatLng(at).setContent(card);
    if (!this._map.hasLayer(this._popup)) this._popup.openOn(this._map);
    else this._popup.update();
    // The open site's name goes first, so it is written even where names are crowded.
    if (relabel) this._drawLabels();
    if (this._onOpen) this._onOpen(site, full);
    return this;
  }
}

function pointKey(latlng) {
  return `${latlng.lat.toFixed(6)},${latlng.lng.toFixed(6)}`;
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
  // sites: the SiteLayer, so arrows and tags meet the marker a reader sees (SiteLayer.shownAt)
  // where a crowded place is fanned out.
  constructor(map, { load = (m) => Promise.resolve(m), sites = null } = {}) {
    this._map = map;
    this._load = load;
    this._placeOf = sites ? (latlng) => sites.shownAt(latlng) : defaultPlace;
    this._sites = sites;
    this._renderer = L.canvas({ pane: "movements" });
    this._group = L.layerGroup().addTo(map);
    this._items = [];
    this._popup = L.popup();
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
    fitPopup(this._popup, this._map);
    this._popup.setLatLng(latlng).setContent(card).openOn(this._map);
  }

  _redraw() {
    this._group.clearLayers();
    const renderer = this._renderer;
    // A white casing keeps a few arrows readable over markers; hundreds of them are a tangle
    // either way, and the casings would cost a third of the drawing.
    const cased = this._items.length <= CASED_ARROWS_MAX;
    const tags = [];
    for (const feature of this._items) {
      const { geometry, properties: m } = feature;
      const color = safeColor(m.color);
      const dash = m.confidence === "low" ? "2 6" : null;
      if (geometry.type === "Point") {
        // Off-map destination: a tag at the origin naming where it went, since no arrow can point
        // there. It hangs above the marker (marks.css centres it), clear of the name on the right.
        const place = this._placeOf(L.latLng(geometry.coordinates[1], geometry.coordinates[0]));
        const at = place.latlng;
        const tag = h("span", {}, `→ ${m.to_name || "off the map"}`);
        tag.style.borderColor = color;
        const icon = L.divIcon({
          className: "offmap-tag",
          html: tag,
          iconSize: null,
          iconAnchor: [0, Math.max(place.radius, 6) + 5],
        });
        const marker = L.marker(at, {
          icon,
          keyboard: false,
          title: `Movement to ${m.to_name || "off the map"}`,
        });
        marker.on("click", () => this.open(feature, at));
        marker.addTo(this._group);
        tags.push(marker);
        continue;
      }
      const [[lon1, lat1], [lon2, lat2]] = geometry.coordinates;
      const from = this._placeOf(L.latLng(lat1, lon1)).latlng;
      const to = this._placeOf(L.latLng(lat2, lon2)).latlng;
      const parts = arrowParts(this._map, from, to);
      if (!parts) continue;
      const middle = L.latLng((from.lat + to.lat) / 2, (from.lng + to.lng) / 2);
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
    // Names keep clear of the tags as of event badges: a tag over a name hid it (issue 9).
    this._sites?.setBadges(tags.map((marker) => this._layerBox(marker)), "tags");
  }

  // A tag's box as drawn (its text, which marks.css shifts off the marker's anchor), in layer
  // pixels.
  _layerBox(marker) {
    const element = marker.getElement();
    const drawn = boxIn(element.firstElementChild || element, this._map.getContainer());
    return moveBox(drawn, this._map.containerPointToLayerPoint([0, 0]));
  }
}

// @class EventLayer
// Event badges: DOM markers (so they take keyboard focus) to the left of the site they mark. The
// events at one place, or within EVENT_MERGE_PX of it on the screen, are one badge with a count,
// whose popup lists them; each entry opens that event's card in the same popup.
export class EventLayer {
  // card(event properties): the event's card. sites: the SiteLayer whose markers badges hang
  // off (shownAt) and whose names keep clear of them (setBadges).
  constructor(map, { card, sites = null }) {
    this._map = map;
    this._card = card;
    this._sites = sites;
    this._placeOf = sites ? (latlng) => sites.shownAt(latlng) : defaultPlace;
    this._group = L.layerGroup().addTo(map);
    this._popup = L.popup();
    this._features = [];
    // slug -> its badge's {marker, events}; badge key -> the same, to keep unchanged badges.
    this._bySlug = new Map();
    this._badges = new Map();
    map.on("zoomend", () => this.draw(this._features));
  }

  // @method draw(features: Array<GeoJSON Feature>): this
  // A badge whose events and look are unchanged is kept as it is: a step that moves the window
  // by a week adds and removes a few, rather than rebuilding a hundred in the page.
  draw(features) {
    this._features = features;
    const map = this._map;
    const places = [];
    for (const feature of features) {
      if (!feature.geometry || feature.geometry.type !== "Point") continue;
      const [lon, lat] = feature.geometry.coordinates;
      const place = this._placeOf(L.latLng(lat, lon));
      const point = map.latLngToLayerPoint(place.latlng);
      let group = places.find((other) => other.point.distanceTo(point) <= EVENT_MERGE_PX);
      if (!group) {
        group = { point, place, events: [] };
        places.push(group);
      }
      group.events.push(feature.properties);
    }
    // Each badge takes the first slot round its marker whose target covers no marker and no
    // badge already placed, so on a phone a 44 px target never swallows a neighbour's marker.
    const discs = this._sites ? this._sites.discs() : [];
    const blocked = discs.map((d) => discBox(d.point, d.radius));
    for (const group of places) {
      const width = group.events.length > 1 ? BADGE_SLOT_PX.width : 14;
      const slots = badgeSlots(Math.max(group.place.radius, 5), width);
      const target = (slot) => moveBox(group.tap ? tapBox(slot) : slot, group.point);
      const free = (slot) => !blocked.some((box) => overlaps(target(slot), box));
      group.tap = touch.matches;
      group.slot = slots.find(free);
      if (!group.slot && group.tap) {
        // Too crowded for a 44 px target anywhere round it: a badge-sized one rather than one
        // that swallows a neighbour's marker (the badge's popup still lists every event).
        group.tap = false;
        group.slot = slots.find(free);
      }
      group.slot ||= slots[0];
      group.width = width;
      blocked.push(target(group.slot));
    }
    const kept = new Map();
    this._bySlug = new Map();
    for (const group of places) {
      const key = group.events
        .map((e) => `${e.slug}|${e.confidence}|${e.title}`)
        .concat(`${group.point.x},${group.point.y},${group.slot.left},${group.slot.top},${group.tap}`)
        .join("\n");
      let badge = this._badges.get(key);
      if (!badge || kept.has(key)) {
        badge = { marker: this._badge(group), events: group.events };
        badge.marker.addTo(this._group);
      }
      kept.set(key, badge);
      for (const e of group.events) this._bySlug.set(e.slug, badge);
    }
    for (const [key, badge] of this._badges) {
      if (kept.get(key) !== badge) this._group.removeLayer(badge.marker);
    }
    this._badges = kept;
    this._sites?.setBadges(
      places.map((group) => ({
        ...moveBox(group.tap ? tapBox(group.slot) : group.slot, group.point),
        // Whose badge it is and how many events it holds: a busier site's name goes first.
        at: group.point,
        events: group.events.length,
      })),
    );
    return this;
  }

  _badge({ place, events, slot, tap }) {
    const count = events.length;
    const low = events.every((e) => e.confidence === "low");
    // The badge: a diamond, and the count beside it when there are several, in its slot. On
    // touch screens the icon is the 44 px target, the badge drawn at its corner by the marker.
    const box = tap ? tapBox(slot) : slot;
    const size = [box.right - box.left, box.bottom - box.top];
    const height = BADGE_SLOT_PX.height;
    // Badge centre relative to the marker's centre.
    const centre = L.point((slot.left + slot.right) / 2, (slot.top + slot.bottom) / 2);
    const icon = L.divIcon({
      // In a touch target, the badge sits at the side nearest the marker (marks.css).
      className: [
        "event-mark",
        low ? "event-low" : "",
        tap ? `event-tap event-tap-x${Math.sign(slot.out.x)} event-tap-y${Math.sign(slot.out.y)}` : "",
      ].join(" "),
      html: h(
        "span",
        { class: "event-badge", dataset: { events: events.map((e) => e.slug).join(" ") } },
        h("span", { class: "event-diamond" }),
        count > 1 ? h("span", { class: "event-count" }, String(count)) : null,
      ),
      iconSize: size,
      iconAnchor: [-box.left, -box.top],
    });
    const title =
      count > 1 ? `${count} events here: list them` : `Event: ${events[0].title}`;
    // The popup's tip points at the badge (a popup's default offset is 7 px down).
    const tip = L.point(centre.x, centre.y - height / 2 + 7);
    const marker = L.marker(place.latlng, {
      icon,
      title,
      alt: title,
      riseOnHover: true,
      autoPanOnFocus: false,
      tip,
    });
    // Named by what it is, not by its visible count alone ("3").
    marker.on("add", () => marker.getElement()?.setAttribute("aria-label", title));
    const open = () => this._open(marker, events, count > 1 ? null : events[0]);
    marker.on("click", open);
    return marker;
  }

  // One event's card, or (event null) the list of the badge's events.
  _open(marker, events, event) {
    const content =
      event === null
        ? h(
            "div",
            { class: "card event-group" },
            h("h3", { class: "card-title" }, `${events.length} events here`),
            h(
              "ul",
              { class: "event-group-list" },
              events.map((e) =>
                h(
                  "li",
                  {},
                  h(
                    "button",
                    {
                      type: "button",
                      class: "event-group-entry",
                      dataset: { event: e.slug },
                      onclick: (click) => this._swap(click, marker, events, e),
                    },
                    h("span", { class: "entry-title" }, e.title),
                    h("span", { class: "muted" }, formatWhen(e.date, e.date_precision)),
                  ),
                ),
              ),
            ),
          )
        : h(
            "div",
            { class: "event-one" },
            events.length > 1
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "event-group-back",
                    onclick: (click) => this._swap(click, marker, events, null),
                  },
                  `← All ${events.length} events here`,
                )
              : null,
            this._card(event),
          );
    fitPopup(this._popup, this._map);
    this._popup.setLatLng(marker.getLatLng()).setContent(content);
    // A card grows when its sources arrive: the popup then measures itself again (scrolling past
    // maxHeight) and pans to stay inside the map.
    this._watcher?.disconnect();
    this._watcher = new ResizeObserver(() =>
      requestAnimationFrame(() => {
        if (this._popup.getContent() === content && this._map.hasLayer(this._popup)) {
          this._popup.update();
        }
      }),
    );
    this._watcher.observe(content);
    // Open above the badge, not on the site's marker beside it.
    this._popup.options.offset = marker.options.tip;
    if (!this._map.hasLayer(this._popup)) this._popup.openOn(this._map);
    else this._popup.update();
  }

  // A button in the popup replaces the popup's content: the click must stop here, or the map,
  // no longer finding the (removed) button inside a popup, takes it for a click on the map and
  // closes the popup.
  _swap(click, marker, events, event) {
    click.stopPropagation();
    this._open(marker, events, event);
    this._popup.getElement()?.querySelector("button")?.focus();
  }

  // @method open(slug: string): this
  // That event's card, in its badge's popup.
  open(slug) {
    const badge = this._bySlug.get(slug);
    const event = badge?.events.find((e) => e.slug === slug);
    if (event) this._open(badge.marker, badge.events, event);
    return this;
  }

  has(slug) {
    return this._bySlug.has(slug);
  }

  latLng(slug) {
    return this._bySlug.get(slug)?.marker.getLatLng();
  }
}

function defaultPlace(latlng) {
  return { latlng, radius: 0 };
}
