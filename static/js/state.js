// The URL is the one source of view state. Controls write here; the page redraws from here; so a
// reload, Back/Forward and a shared link all land on exactly the view that was written.
//
//   ?date=2026-01-25&actor=russia&actor=sdf&win=3&z=7&lat=35.1&lon=38.2&site=hmeimim
//
// No `actor` means every actor; a single empty `actor=` means none (so "None" survives a reload).
// `site` names the site whose popup is open, so a shared link opens it again.
// `compare` (a day) is what the change marks compare the date with, instead of the previous step.
// `from` and `to` are the timeline's visible range (slider and histogram); absent, the timeline
// shows the dataset's dense span (time-control.js).
//
// Every URL written here is also remembered (sessionStorage) as the map's last view, so the other
// pages can link back to exactly it (map-link.js).

import { isISODate } from "./format.js";

const listeners = new Set();
const VIEW_DIGITS = 4;
export const WINDOWS = [1, 3, 12];
export const REMEMBERED_VIEW_KEY = "orbat:map-view";

// Remember the map's URL for the other pages' "Back to the map" links; storage may be refused.
export function rememberView() {
  if (window.location.pathname !== "/") return;
  try {
    window.sessionStorage.setItem(REMEMBERED_VIEW_KEY, window.location.search);
  } catch {
    // Private mode or storage disabled: the links keep their server-rendered hrefs.
  }
}

function number(value) {
  if (value === null || value === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export function readState(search = window.location.search) {
  const params = new URLSearchParams(search);
  const date = params.get("date");
  const win = number(params.get("win"));
  const lat = number(params.get("lat"));
  const lon = number(params.get("lon"));
  const z = number(params.get("z"));
  const site = params.get("site");
  const viewOk =
    lat !== null && lon !== null && z !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
  return {
    date: isISODate(date) ? date : null,
    actors: params.has("actor") ? params.getAll("actor").filter(Boolean) : null,
    win: WINDOWS.includes(win) ? win : 1,
    z: viewOk ? Math.round(z) : null,
    lat: viewOk ? lat : null,
    lon: viewOk ? lon : null,
    site: site || null,
    from: isISODate(params.get("from")) ? params.get("from") : null,
    to: isISODate(params.get("to")) ? params.get("to") : null,
    compare: compareDate(params.get("compare")),
  };
}

// A compare date is a real day in a year the map's index can load (years 1000 to 9998).
function compareDate(value) {
  if (!isISODate(value)) return null;
  const year = Number(value.slice(0, 4));
  return year >= 1000 && year <= 9998 ? value : null;
}

export function toSearch(state) {
  const params = new URLSearchParams();
  if (state.date) params.set("date", state.date);
  if (state.actors) {
    if (state.actors.length === 0) params.append("actor", "");
    for (const slug of state.actors) params.append("actor", slug);
  }
  if (state.win && state.win !== 1) params.set("win", String(state.win));
  if (state.z !== null && state.lat !== null && state.lon !== null) {
    params.set("z", String(state.z));
    params.set("lat", state.lat.toFixed(VIEW_DIGITS));
    params.set("lon", state.lon.toFixed(VIEW_DIGITS));
  }
  if (state.site) params.set("site", state.site);
  if (state.from) params.set("from", state.from);
  if (state.to) params.set("to", state.to);
  if (state.compare) params.set("compare", state.compare);
  const text = params.toString();
  return text ? `?${text}` : "";
}

function changedKeys(before, after) {
  return Object.keys(after).filter(
    (key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]),
  );
}

// @function writeState(patch: Object, options?: {push: boolean})
// Push for what a user would want Back to undo (date, filters); replace for pan and zoom.
export function writeState(patch, { push = false } = {}) {
  const before = readState();
  const after = { ...before, ...patch };
  const search = toSearch(after);
  if (search === window.location.search) return;
  const url = `${window.location.pathname}${search}${window.location.hash}`;
  if (push) window.history.pushState(null, "", url);
  else window.history.replaceState(null, "", url);
  rememberView();
  const now = readState();
  notify(now, changedKeys(before, now), "write");
}

function notify(state, keys, cause) {
  if (keys.length === 0) return;
  for (const listener of listeners) listener(state, new Set(keys), cause);
}

let lastSeen = readState();
rememberView();
window.addEventListener("popstate", () => {
  rememberView();
  const now = readState();
  notify(now, changedKeys(lastSeen, now), "popstate");
});

// @function onStateChange(fn: (state, changed: Set<string>, cause: "write"|"popstate") => void)
export function onStateChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

// Keep the popstate diff relative to what was last drawn, whichever way it got there.
onStateChange((state) => {
  lastSeen = state;
});

// @function tableHref(state, date: string): string
// The table page for a map state: its date and each chosen actor (none named when all are; a
// single empty `actor=` when none is ticked, which the table shows as "No actors selected").
export function tableHref(state, date) {
  const params = new URLSearchParams();
  if (date) params.set("date", date);
  if (state.actors && state.actors.length === 0) params.append("actor", "");
  for (const slug of state.actors || []) params.append("actor", slug);
  const text = params.toString();
  return `/table${text ? `?${text}` : ""}`;
}

// @function siteHref(slug: string): string
// A site page answering for the map's date, so the page's "Now" is the day the reader was looking
// at; with no date in the URL the page answers for the data's last day, as the map does.
export function siteHref(slug) {
  const date = readState().date;
  const path = `/sites/${encodeURIComponent(slug)}`;
  return date ? `${path}?${new URLSearchParams({ date })}` : path;
}

// @function rememberedView(): string | null
// The search part of the map's last URL in this tab, or null when the map was not opened yet.
export function rememberedView() {
  try {
    return window.sessionStorage.getItem(REMEMBERED_VIEW_KEY);
  } catch {
    return null;
  }
}
