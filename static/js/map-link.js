// Links back to the map keep the view the user left it in: the map remembers its last URL in this
// tab (state.js), and here every link marked data-map-link points at that view. Without JavaScript,
// or before the map was ever opened, the links keep their server-rendered hrefs.
//
//   data-map-link="view"   the remembered view as it was (the nav's "Map")
//   data-map-link="site"   its date and actors, centred on this site (data-z, data-lat, data-lon)
//                          with the site's popup open (data-site)
//   data-map-link="actor"  its date and view, with only this actor (data-actor)
//   data-table-link        the table at the remembered date and actors

import { readState, rememberedView, tableHref, toSearch } from "./state.js";

function mapHref(link, remembered) {
  const state = readState(remembered);
  const kind = link.dataset.mapLink;
  if (kind === "site") {
    state.site = link.dataset.site || null;
    const z = Number(link.dataset.z);
    const lat = Number(link.dataset.lat);
    const lon = Number(link.dataset.lon);
    if (link.dataset.lat && Number.isFinite(lat) && Number.isFinite(lon)) {
      Object.assign(state, { z, lat, lon });
    }
  } else if (kind === "actor") {
    state.actors = [link.dataset.actor];
    state.site = null;
  }
  return `/${toSearch(state)}`;
}

const remembered = rememberedView();
if (remembered !== null) {
  for (const link of document.querySelectorAll("a[data-map-link]")) {
    link.href = mapHref(link, remembered);
  }
  const state = readState(remembered);
  for (const link of document.querySelectorAll("a[data-table-link]")) {
    link.href = tableHref(state, state.date);
  }
}
