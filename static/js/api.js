// Fetches from the JSON API. The map asks for a catalogue of names and one year of intervals at a
// time (app/map_index.py) and works out any date inside a loaded year itself, so dragging the
// slider never waits on the network; a card's notes and sources come when it is opened.

// A reviewer's preview (?preview=N on the page) reads every answer with that change set applied.
const preview = new URLSearchParams(window.location.search).get("preview");

async function getJSON(path, params = {}) {
  const url = new URL(path, window.location.origin);
  if (preview && path.startsWith("/api/")) url.searchParams.set("preview", preview);
  for (const [key, value] of Object.entries(params)) {
    for (const item of [].concat(value)) url.searchParams.append(key, item);
  }
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    throw new Error(`${url.pathname} answered ${response.status}`);
  }
  return response.json();
}

export const fetchActors = () => getJSON("/api/v1/actors");

export const fetchCatalogue = () => getJSON("/api/v1/map/catalogue");
export const fetchYear = (year) => getJSON(`/api/v1/map/years/${Number(year)}`);

// actors === null means all.
export const fetchSiteOn = (slug, date, actors) =>
  getJSON(`/api/v1/map/sites/${encodeURIComponent(slug)}`, {
    date,
    ...(actors ? { actor: actors } : {}),
  });
export const fetchMovement = (slug) => getJSON(`/api/v1/map/movements/${encodeURIComponent(slug)}`);
export const fetchEvent = (slug) => getJSON(`/api/v1/map/events/${encodeURIComponent(slug)}`);

// actors === null means all; an empty list never reaches here (nothing to count).
export const fetchTimeline = (actors) =>
  getJSON("/api/v1/timeline", { bucket: "month", ...(actors ? { actor: actors } : {}) });

// The offline basemap: world borders, and the data region's rivers, lakes and towns (basemap.js).
export const fetchBasemap = async () => {
  const [countries, region] = await Promise.all([
    getJSON("/static/vendor/world-atlas/countries-50m.json"),
    getJSON("/static/vendor/natural-earth/region.json"),
  ]);
  return { countries, region };
};
