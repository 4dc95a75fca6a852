// Fetches from the JSON API. The map asks for whole intervals once and works out any date itself,
// so dragging the slider never waits on the network.

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

// No start/end: every interval the dataset holds.
export const fetchDeployments = () => getJSON("/api/v1/deployments");
export const fetchMovements = () => getJSON("/api/v1/movements");
export const fetchEvents = () => getJSON("/api/v1/events");

// actors === null means all; an empty list never reaches here (nothing to count).
export const fetchTimeline = (actors) =>
  getJSON("/api/v1/timeline", { bucket: "month", ...(actors ? { actor: actors } : {}) });

export const fetchBasemap = () => getJSON("/static/vendor/world-atlas/countries-50m.json");
