// The small map on a site page: the offline basemap and one marker. Remote tiles only when the
// server's settings allow them, as on the main map.

import { fetchBasemap } from "./api.js";
import { h } from "./dom.js";
import { createMap, drawBasemap } from "./basemap.js";

const L = window.L;
const element = document.getElementById("site-map");

async function start() {
  const { lat, lon, name, tileUrl, tileAttribution } = element.dataset;
  const at = L.latLng(Number(lat), Number(lon));
  const map = createMap(element, { tileUrl, tileAttribution });
  map.setView(at, 7);
  // Neutral on purpose: who held the site when is the timeline's job, not one colour's.
  L.circleMarker(at, {
    radius: 9,
    color: "#ffffff",
    weight: 3,
    fillColor: "#20262e",
    fillOpacity: 1,
  })
    .bindPopup(h("strong", {}, name))
    .addTo(map);
  drawBasemap(map, await fetchBasemap());
}

if (element) {
  start().finally(() => {
    document.body.dataset.ready = "true";
  });
}
