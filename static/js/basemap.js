// The map itself and the offline basemap beneath everything else: Natural Earth borders, rivers,
// lakes and towns drawn in the browser, and remote tiles over them when the settings name a tile
// server.

import { boxIn, h } from "./dom.js";

const L = window.L;

// The label and town styles live in their own sheet, which only pages with a map need.
document.head.append(h("link", { rel: "stylesheet", href: "/static/css/basemap.css" }));

// Maps with remote tiles, and whether any tile has arrived yet (offline, none ever does).
const remoteTiles = new WeakMap();

// The credit names what is on screen: the Natural Earth layers drawn here until a remote tile
// has arrived; then the tile provider, and Natural Earth for what is drawn beneath.
// Kept short: on a phone it still wraps, in two lines.
const OFFLINE_CREDIT = "Natural Earth: borders, rivers, lakes, towns";
const UNDER_TILES_CREDIT = "Natural Earth";
// Maps narrower than this (phones) keep the scale away from the credit line.
const NARROW_MAP_PX = 600;

// @function createMap(element: HTMLElement, options: {tileUrl, tileAttribution}): L.Map
export function createMap(element, { tileUrl, tileAttribution }) {
  const map = L.map(element, { preferCanvas: true, minZoom: 2, maxZoom: 13, worldCopyJump: true });
  // Panes by height: basemap < remote tiles (200) < arrows < sites (overlay, 400) < labels.
  map.createPane("basemap").style.zIndex = "150";
  // Town names sit under the sites (overlay, 400): a site's marker and name always win.
  map.createPane("places").style.zIndex = "380";
  map.getPane("places").style.pointerEvents = "none";
  map.createPane("movements").style.zIndex = "390";
  map.createPane("labels").style.zIndex = "450";
  map.getPane("labels").style.pointerEvents = "none";
  map.attributionControl.addAttribution(OFFLINE_CREDIT);
  if (tileUrl) {
    // No attribution on the layer itself: a provider is only credited once it has drawn.
    const tiles = L.tileLayer(tileUrl, { maxZoom: 19 });
    remoteTiles.set(map, { loaded: false });
    tiles.once("tileload", () => {
      remoteTiles.get(map).loaded = true;
      map.attributionControl.removeAttribution(OFFLINE_CREDIT);
      map.attributionControl.addAttribution(tileAttribution);
      map.attributionControl.addAttribution(UNDER_TILES_CREDIT);
      map.fire("remotetilesloaded");
    });
    tiles.addTo(map);
  }
  // On a phone's narrow map the credit wraps onto two lines along the bottom edge and would
  // cover a scale beside it: there the scale goes top right, where nothing else is.
  const narrow = element.clientWidth < NARROW_MAP_PX;
  // 120 px at most: a round distance then takes at least 60 px, room for its words ("100 km").
  L.control
    .scale({ imperial: false, maxWidth: 120, position: narrow ? "topright" : "bottomleft" })
    .addTo(map);
  return map;
}

// Largest outer ring's vertex average: good enough to hang a country's name on.
function labelPoint(geometry) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  let ring = null;
  for (const polygon of polygons) {
    if (!ring || polygon[0].length > ring.length) ring = polygon[0];
  }
  if (!ring) return null;
  let lon = 0;
  let lat = 0;
  for (const [x, y] of ring) {
    lon += x;
    lat += y;
  }
  return L.latLng(lat / ring.length, lon / ring.length);
}

const WATER = "#8fb4cf";
const LAKE_FILL = "#cfdfe9";

// Rivers widen as the map zooms in; the 1:50m source carries no scale rank to go by.
function riverWeight(zoom) {
  if (zoom < 6) return 0.8;
  if (zoom < 8) return 1.4;
  return 2.2;
}

// The smallest zoom at which a town's name may show, by population: the biggest first, so a
// country-wide view names a few cities and a close one names the towns.
function minZoomFor(population) {
  if (population >= 1_000_000) return 5;
  if (population >= 400_000) return 6;
  if (population >= 100_000) return 7;
  if (population >= 30_000) return 8;
  return 9;
}

const PLACE_FONT = "600 11px system-ui, sans-serif";
const PLACE_HEIGHT_PX = 14;
const PLACE_GAP_PX = 5;
let measure = null;
function placeWidth(name) {
  measure ??= document.createElement("canvas").getContext("2d");
  measure.font = PLACE_FONT;
  return Math.ceil(measure.measureText(name).width) + 2;
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

// Where a name of this width may go around its dot at (x, y), in order of preference: right,
// left, above, below (static/css/basemap.css places it the same way for each side).
function besideDot(x, y, width) {
  const half = PLACE_HEIGHT_PX / 2;
  const across = (left, side) => ({
    side,
    left,
    right: left + width,
    top: y - half,
    bottom: y + half,
  });
  const upright = (top, side) => ({
    side,
    left: x - width / 2,
    right: x + width / 2,
    top,
    bottom: top + PLACE_HEIGHT_PX,
  });
  return [
    across(x + PLACE_GAP_PX, ""),
    across(x - PLACE_GAP_PX - width, "left"),
    upright(y - PLACE_GAP_PX - PLACE_HEIGHT_PX, "above"),
    upright(y + PLACE_GAP_PX, "below"),
  ];
}

// What is already on the map, in map pixels: site and country names and the sites' "?" and "!"
// marks (all in the labels pane), event badges, off-map tags and clusters (the marker pane), and
// the map's controls (zoom, scale, credit). With the site markers (`discs`, from the SiteLayer),
// a town's name never covers one of them: the data comes first.
function labelBoxes(map, discs) {
  const container = map.getContainer();
  const labels = [...map.getPane("labels").children].map((label) => {
    return label.firstElementChild ?? label;
  });
  const marks = [...map.getPane("markerPane").children];
  const controls = [...container.querySelectorAll(".leaflet-control")];
  return [...discs, ...[...labels, ...marks, ...controls].map((e) => boxIn(e, container))];
}

// Town names (Natural Earth populated places) as non-interactive labels, the most populous
// first; a name that would overlap one already placed, a site's marker, or anything written on
// the map, is left out.
function placeLabels(map, places, tiles, markers) {
  const group = L.layerGroup().addTo(map);
  const update = () => {
    group.clearLayers();
    const zoom = map.getZoom();
    const bounds = map.getBounds();
    const taken = labelBoxes(map, markers());
    const { x: width, y: height } = map.getSize();
    for (const [lon, lat, name, population] of places) {
      if (minZoomFor(population) > zoom) continue;
      const at = L.latLng(lat, lon);
      if (!bounds.contains(at)) continue;
      const { x, y } = map.latLngToContainerPoint(at);
      const sides = besideDot(x, y, placeWidth(name));
      const box = sides.find(
        (b) =>
          b.left >= 0 &&
          b.right <= width &&
          b.top >= 0 &&
          b.bottom <= height &&
          !taken.some((other) => overlaps(b, other)),
      );
      if (!box) continue;
      taken.push(box, { left: x - 3, right: x + 3, top: y - 3, bottom: y + 3 });
      const icon = L.divIcon({
        className: `place-label${box.side ? ` place-label-${box.side}` : ""}`,
        html: h("span", {}, name),
        iconSize: null,
      });
      L.marker(at, { icon, pane: "places", interactive: false, keyboard: false }).addTo(group);
    }
  };
  // Site names are redrawn whenever the date, the actors or the view change, and the town names
  // make room for them afresh each time: once a frame at most.
  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      update();
    });
  };
  const watcher = new MutationObserver(schedule);
  watcher.observe(map.getPane("labels"), { childList: true });
  map.on("sitesplaced moveend", schedule);
  map.whenReady(update);
  if (tiles) {
    // A remote tile carries its own town names; two sets would clash.
    map.once("remotetilesloaded", () => {
      watcher.disconnect();
      map.off("sitesplaced moveend", schedule);
      map.removeLayer(group);
    });
  }
}

// @function drawBasemap(map: L.Map, basemap: {countries: TopoJSON, region: object}, markers?: () => Array<box>): void
// Natural Earth drawn below any remote tiles, so the map reads with no network at all: country
// fills and borders for the world, and for the data's region (static/vendor/natural-earth,
// cut by scripts/clip_basemap.py) lakes, rivers and town names.
// Country and town names until a remote tile has loaded: the tiles carry their own, and two sets
// would clash; with no network no tile ever loads, so the names stay.
// `markers` says where the site markers are, in map pixels (drawn on a canvas, out of the page's
// reach): town names keep clear of them, and are placed again when the map fires "sitesplaced".
export function drawBasemap(map, { countries: topology, region }, markers = () => []) {
  const { topojson } = window;
  const renderer = L.canvas({ pane: "basemap", padding: 0.5 });
  const object = topology.objects.countries;
  const countries = topojson.feature(topology, object);
  L.geoJSON(countries, {
    renderer,
    interactive: false,
    style: { stroke: false, fillColor: "#f3f0e8", fillOpacity: 1 },
  }).addTo(map);
  L.geoJSON(region.lakes, {
    renderer,
    interactive: false,
    style: { color: WATER, weight: 0.8, fillColor: LAKE_FILL, fillOpacity: 1 },
  }).addTo(map);
  const rivers = L.geoJSON(region.rivers, {
    renderer,
    interactive: false,
    style: { color: WATER, weight: riverWeight(map.getZoom()), lineCap: "round", fill: false },
  }).addTo(map);
  map.on("zoomend", () => rivers.setStyle({ weight: riverWeight(map.getZoom()) }));
  L.geoJSON(
    topojson.mesh(topology, object, (a, b) => a === b),
    {
      renderer,
      interactive: false,
      style: { color: "#7c98ad", weight: 1, fill: false },
    },
  ).addTo(map);
  L.geoJSON(
    topojson.mesh(topology, object, (a, b) => a !== b),
    {
      renderer,
      interactive: false,
      style: { color: "#8a8478", weight: 1.2, dashArray: "5 3", fill: false },
    },
  ).addTo(map);

  const tiles = remoteTiles.get(map);
  if (tiles?.loaded) return;
  placeLabels(map, region.places, tiles, markers);
  const labels = [];
  for (const feature of countries.features) {
    const at = feature.geometry && labelPoint(feature.geometry);
    if (at && feature.properties?.name) labels.push({ at, name: feature.properties.name });
  }
  const group = L.layerGroup().addTo(map);
  const update = () => {
    group.clearLayers();
    if (map.getZoom() < 4) return;
    const bounds = map.getBounds().pad(-0.02);
    for (const { at, name } of labels) {
      if (!bounds.contains(at)) continue;
      const icon = L.divIcon({
        className: "country-label",
        html: h("span", {}, name),
        iconSize: null,
      });
      L.marker(at, { icon, pane: "labels", interactive: false, keyboard: false }).addTo(group);
    }
  };
  map.on("moveend", update);
  map.whenReady(update);
  if (tiles) {
    map.once("remotetilesloaded", () => {
      map.off("moveend", update);
      map.removeLayer(group);
    });
  }
}
