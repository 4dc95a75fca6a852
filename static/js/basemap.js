// The map itself and the offline basemap beneath everything else: Natural Earth outlines drawn in
// the browser, and remote tiles over them when the settings name a tile server.

import { h } from "./dom.js";

const L = window.L;

// Maps with remote tiles, and whether any tile has arrived yet (offline, none ever does).
const remoteTiles = new WeakMap();

// @function createMap(element: HTMLElement, options: {tileUrl, tileAttribution}): L.Map
export function createMap(element, { tileUrl, tileAttribution }) {
  const map = L.map(element, { preferCanvas: true, minZoom: 2, maxZoom: 13, worldCopyJump: true });
  // Panes by height: basemap < remote tiles (200) < arrows < sites (overlay, 400) < labels.
  map.createPane("basemap").style.zIndex = "150";
  map.createPane("movements").style.zIndex = "390";
  map.createPane("labels").style.zIndex = "450";
  map.getPane("labels").style.pointerEvents = "none";
  map.attributionControl.addAttribution("Basemap: Natural Earth");
  if (tileUrl) {
    const tiles = L.tileLayer(tileUrl, { attribution: tileAttribution, maxZoom: 19 });
    remoteTiles.set(map, { loaded: false });
    tiles.once("tileload", () => {
      remoteTiles.get(map).loaded = true;
      map.fire("remotetilesloaded");
    });
    tiles.addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
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

// @function drawBasemap(map: L.Map, topology: TopoJSON): void
// Natural Earth outlines drawn below any remote tiles, so the map reads with no network at all.
// Country names until a remote tile has loaded: the tiles carry their own, and two sets would
// clash; with no network no tile ever loads, so the names stay.
export function drawBasemap(map, topology) {
  const { topojson } = window;
  const renderer = L.canvas({ pane: "basemap", padding: 0.5 });
  const object = topology.objects.countries;
  const countries = topojson.feature(topology, object);
  L.geoJSON(countries, {
    renderer,
    interactive: false,
    style: { stroke: false, fillColor: "#f3f0e8", fillOpacity: 1 },
  }).addTo(map);
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
