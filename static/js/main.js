// The map page: load the catalogue and the years around the URL's date, then redraw the state at
// that date on each change; other years load as the date reaches them.

import {
  fetchActors,
  fetchBasemap,
  fetchCatalogue,
  fetchEvent,
  fetchMovement,
  fetchSiteOn,
  fetchTimeline,
  fetchYear,
} from "./api.js";
import {
  confidenceBadge,
  disputedBadge,
  eventCard,
  movementCard,
  movementDates,
  movementRoute,
  showDetails,
  siteCard,
  statusBadge,
  uncertainBadge,
  withEvidence,
} from "./details.js";
import { clear, h, moreItem, swatch } from "./dom.js";
import { ActorFilter } from "./filter.js";
import {
  STATUS_TEXT,
  addDays,
  addMonths,
  shownDay,
  formatWhen,
  label,
  periodEnd,
  windowStart,
} from "./format.js";
import { ChangeMarks } from "./changes.js";
import { Histogram, fittingMonths } from "./histogram.js";
import { createMap, drawBasemap } from "./basemap.js";
import { EventLayer, MovementLayer, SiteLayer } from "./layers.js";
import { savePngButton } from "./save-png.js";
import { shareButton } from "./share.js";
import { onStateChange, readState, siteHref, tableHref, writeState } from "./state.js";
import { TimeControl, visibleRange } from "./time-control.js";
import { YearIndex, yearOf } from "./year-index.js";

const L = window.L;
// The site list shows this many sites, and this many more each time the reader asks.
const LIST_PAGE = 100;
const app = document.getElementById("app");
const config = app.dataset;
const $ = (id) => document.getElementById(id);

// ---- readiness: body[data-ready="true"] once the state at the URL is drawn and nothing is pending

let pending = 0;
let drawn = false;
function setReady() {
  document.body.dataset.ready = String(drawn && pending === 0);
}
async function track(promise) {
  pending += 1;
  setReady();
  try {
    return await promise;
  } finally {
    pending -= 1;
    setReady();
  }
}

function notice(text) {
  const box = h("p", { class: "notice", role: "alert" }, text);
  app.querySelector(".map-column").prepend(box);
}

// ---- the page's parts

const map = createMap($("map"), {
  tileUrl: config.tileUrl,
  tileAttribution: config.tileAttribution,
});
const narrow = window.matchMedia("(max-width: 760px)");
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const details = $("details");
// On a phone the key starts folded, so the drawer opens on the actors and the sites.
if (narrow.matches) $("key").open = false;

const data = { index: null, actorsBySlug: new Map() };
let homeBounds = null;
let listShown = LIST_PAGE;

// A card's whole records (notes, strength, sources) come from the server when it is opened; the
// date and actors are the URL's, so the card says what the map shows.
function loadSite(site) {
  const state = readState();
  return track(fetchSiteOn(site.slug, state.date || config.defaultDate, state.actors)).then(
    (feature) => ({
      ...site,
      deployments: feature.properties.deployments.map((d) => ({
        ...d,
        uncertain: d.dates_uncertain,
      })),
    }),
  );
}
const loadMovement = (m) => track(fetchMovement(m.slug)).then((feature) => feature.properties);
const loadEvent = (e) => track(fetchEvent(e.slug)).then((feature) => feature.properties);
const fullEventCard = (e) => eventCard(e, data.actorsBySlug);

// The open site's popup is in the URL (replaced, not pushed), so a shared link opens it again.
// The popup follows the URL: while Back or Forward is being applied it is opened or closed to
// match the entry, and that entry is not written to.
let followingHistory = false;
const sites = new SiteLayer(map, {
  load: loadSite,
  onOpen: (site, full) => {
    showDetails(details, withEvidence(siteCard(site), full, siteCard));
    if (drawn && !followingHistory) writeState({ site: site.slug });
  },
  onClose: () => {
    if (drawn && !followingHistory) writeState({ site: null });
  },
});
// Arrows, tags and event badges hang off the markers as drawn (fanned out where crowded).
const movements = new MovementLayer(map, { load: loadMovement, sites });
// What changed since the last drawing (or the compare date): a site still drawn opens; one that
// emptied is panned to, where its ghost is marked.
const changes = new ChangeMarks(map, {
  select: (slug, latlng) => {
    if (sites.has(slug)) selectSite(slug);
    else if (latlng) goTo(latlng, () => {});
  },
  placeOf: (latlng) => sites.shownAt(latlng),
});
const events = new EventLayer(map, {
  card: (e) => withEvidence(fullEventCard(e), loadEvent(e), fullEventCard),
  sites,
});
const time = new TimeControl(app.querySelector(".time-control"), {
  spanStart: config.spanStart,
  spanEnd: config.spanEnd,
  onChange: (date, { push }) => writeState({ date }, { push }),
  onRange: ({ from, to, date }) => writeState({ from, to, date }, { push: true }),
});
const histogram = new Histogram($("histogram"), {
  spanStart: config.spanStart,
  spanEnd: config.spanEnd,
  onPick: (date) => writeState({ date }, { push: true }),
  onBrush: (from, to) => time.setRangeFromUser(from, to),
});
// The timeline's default range: from where the data is dense (the server's dense start) to the
// last day, cut to the months the histogram can draw at a tappable width on this screen.
const lastMonth = `${config.spanEnd.slice(0, 7)}-01`;
const fitFrom = addMonths(lastMonth, 1 - fittingMonths($("histogram")));
const timelineSpan = {
  start: config.spanStart,
  end: config.spanEnd,
  denseFrom: config.denseStart > fitFrom ? config.denseStart : fitFrom,
};
// Slider and histogram always share one range: the URL's, widened to hold the date shown.
function showDate(state, date, from) {
  const range = visibleRange(state, date, timelineSpan);
  time.setRange(range.from, range.to).render(date);
  histogram.setRange(range.from, range.to).setDate(date, from);
}
let filter = null;

// ---- the drawer (narrow screens): the panel slides over the map

const drawerToggle = $("drawer-toggle");
const panel = $("panel");
function setDrawer(open) {
  panel.classList.toggle("open", open);
  drawerToggle.setAttribute("aria-expanded", String(open));
  if (open) $("drawer-close").focus();
}
drawerToggle.addEventListener("click", () => setDrawer(!panel.classList.contains("open")));
$("drawer-close").addEventListener("click", () => {
  setDrawer(false);
  drawerToggle.focus();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && panel.classList.contains("open")) {
    setDrawer(false);
    drawerToggle.focus();
  }
});

// ---- going to a thing on the map

function goTo(latlng, then) {
  if (narrow.matches) setDrawer(false);
  const zoom = Math.max(map.getZoom(), 7);
  const near = map.getCenter().distanceTo(latlng) < 50 && map.getZoom() === zoom;
  if (near || reducedMotion.matches) {
    map.setView(latlng, zoom, { animate: false });
    then();
    return;
  }
  map.once("moveend", then);
  map.flyTo(latlng, zoom, { duration: 0.6 });
}

function selectSite(slug) {
  const site = sites.get(slug);
  if (site) goTo(site.latlng, () => sites.open(slug));
}

// ---- computing the state at a date, from data already here

function chosenActors(state) {
  return state.actors ? new Set(state.actors) : null;
}

// The day the window's months are counted back from. Nothing is recorded after the dataset's last
// day, so on that day the window reaches back as it would from the end of that month: the last
// histogram bar, which jumps to the last day, then lists exactly its own month.
function windowEnd(date) {
  return date === config.spanEnd ? addDays(periodEnd(date, "month"), -1) : date;
}

function forceLine(d) {
  return h(
    "span",
    { class: "entry-line", dataset: { deployment: d.slug, uncertain: String(d.uncertain) } },
    swatch(d.color, d.actor_name),
    " ",
    d.force_name,
    " — ",
    statusBadge(d.status),
    d.confidence === "low" ? [", ", confidenceBadge("low")] : null,
    d.uncertain ? [", ", uncertainBadge()] : null,
    d.disputed ? [", ", disputedBadge()] : null,
  );
}

// The same facts as forceLine, as plain text for the compact list of sites without coordinates.
function forceText(d) {
  const parts = [STATUS_TEXT[d.status] || label(d.status)];
  if (d.confidence === "low") parts.push("low confidence");
  if (d.uncertain) parts.push("dates uncertain");
  if (d.disputed) parts.push("disputed");
  return `${d.force_name} (${parts.join(", ")})`;
}

function renderSiteList(placed, unplaced, date) {
  $("sites-date").textContent = shownDay(date, config.spanEnd);
  $("sites-count").textContent = `(${placed.length})`;
  const list = clear($("site-list"));
  // A theatre can hold thousands of sites on a day: the list grows a page at a time.
  for (const site of placed.slice(0, listShown)) {
    list.append(
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "site-entry",
            dataset: { site: site.slug },
            onclick: () => selectSite(site.slug),
          },
          h("span", { class: "entry-title" }, site.name),
          h("span", { class: "muted entry-kind" }, label(site.kind)),
          site.deployments.map(forceLine),
        ),
      ),
    );
  }
  list.append(
    ...moreItem("site-list-more", placed.length - listShown, LIST_PAGE, () => {
      listShown += LIST_PAGE;
      renderSiteList(placed, unplaced, date);
      $("site-list")
        .querySelectorAll(".site-entry")
        [listShown - LIST_PAGE]?.focus();
    }),
  );
  $("site-list-empty").hidden = placed.length > 0;
  $("unplaced").hidden = unplaced.length === 0;
  clear($("unplaced-list")).append(
    ...unplaced.map((site) =>
      h(
        "li",
        { dataset: { site: site.slug } },
        h("a", { href: siteHref(site.slug) }, site.name),
        ": ",
        site.deployments.map(forceText).join("; "),
      ),
    ),
  );
}

// A long window lists its first entries (oldest first); more come a page at a time on request.
const windowShown = { movement: LIST_PAGE, event: LIST_PAGE };

function moreButton(kind, hidden, again) {
  return moreItem(`${kind}-list-more`, hidden, LIST_PAGE, () => {
    windowShown[kind] += LIST_PAGE;
    again();
  });
}

function renderWindow(date, from, moves, evs) {
  const again = () => renderWindow(date, from, moves, evs);
  $("window-label").textContent = `${formatWhen(from)} to ${formatWhen(date)}`;
  $("movements-count").textContent = `(${moves.length})`;
  $("events-count").textContent = `(${evs.length})`;
  clear($("movement-list")).append(
    ...moves.slice(0, windowShown.movement).map((feature) => {
      const m = feature.properties;
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "entry",
            dataset: { movement: m.slug },
            onclick: () => {
              showDetails(details, withEvidence(movementCard(m), loadMovement(m), movementCard));
              const at = feature.geometry;
              if (!at) return;
              const coords = at.type === "Point" ? [at.coordinates] : at.coordinates;
              const [lon, lat] = coords[coords.length - 1];
              goTo(L.latLng(lat, lon), () => movements.open(feature, L.latLng(lat, lon)));
            },
          },
          h("span", { class: "entry-title" }, swatch(m.color, m.actor_name), " ", movementRoute(m)),
          h(
            "span",
            { class: "muted" },
            movementDates(m),
            " · ",
            m.force_name,
            m.confidence === "low" ? [" · ", confidenceBadge("low")] : null,
          ),
        ),
      );
    }),
    ...moreButton("movement", moves.length - windowShown.movement, again),
  );
  clear($("event-list")).append(
    ...evs.slice(0, windowShown.event).map((feature) => {
      const e = feature.properties;
      return h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "entry",
            dataset: { event: e.slug },
            onclick: () => {
              showDetails(details, withEvidence(fullEventCard(e), loadEvent(e), fullEventCard));
              const at = events.latLng(e.slug);
              if (at) goTo(at, () => events.open(e.slug));
            },
          },
          h("span", { class: "entry-title" }, e.title),
          h(
            "span",
            { class: "muted" },
            formatWhen(e.date, e.date_precision),
            " · ",
            label(e.kind),
            e.site_name ? ` · ${e.site_name}` : "",
            e.confidence === "low" ? " · low confidence" : "",
          ),
        ),
      );
    }),
    ...moreButton("event", evs.length - windowShown.event, again),
  );
}

// Only the newest wish is drawn once its years arrive: a slow year must not overwrite a later date.
let redrawRequest = 0;

function yearsFor(date, from) {
  const years = [];
  for (let y = yearOf(from); y <= yearOf(date); y += 1) years.push(y);
  return years;
}

function redraw(state) {
  document.body.dataset.ready = "false";
  const request = ++redrawRequest;
  const date = state.date || config.defaultDate;
  const chosen = chosenActors(state);
  const from = windowStart(windowEnd(date), state.win);
  const years = yearsFor(date, from);
  // Compare mode reads the compare date's year from the index too.
  if (state.compare && !years.includes(yearOf(state.compare))) years.push(yearOf(state.compare));
  if (!data.index.hasAll(years)) {
    track(data.index.ensure(years))
      .then((changed) => {
        if (changed) {
          homeBounds = data.index.bounds();
          sites.setPlaces([...data.index.sites.values()]);
        }
        if (request === redrawRequest) redraw(readState());
      })
      .catch((error) => notice(`The map's data could not be loaded (${error.message}).`));
    return;
  }
  // The next and previous years load meanwhile, so stepping or playing on finds them here.
  data.index.prefetch(yearOf(date) + 1);
  data.index.prefetch(yearOf(from) - 1);

  const present = data.index.sitesAt(date, chosen);
  const placed = present.filter((site) => site.latlng);
  // A card from another date would mislead; the open site's card is redrawn by sites.draw.
  details.hidden = true;
  // The URL's site keeps its popup; a view restored by Back is not panned to fit it.
  sites.draw(placed, { open: state.site, pan: !followingHistory });
  renderSiteList(
    placed,
    present.filter((site) => !site.latlng),
    date,
  );
  changes.update({
    index: data.index,
    date,
    compare: state.compare,
    chosen,
    actors: state.actors,
    present,
  });

  const moves = data.index.movementsBetween(from, date, chosen);
  const evs = data.index.eventsBetween(from, date, chosen);
  movements.draw(moves.filter((f) => f.geometry));
  events.draw(evs);
  renderWindow(date, from, moves, evs);

  showDate(state, date, from);
  filter?.render(chosen);
  $("window-select").value = String(state.win);
  // The nav's Table link shows the same date and actors as the map.
  $("nav-table").href = tableHref(state, date);
  drawn = true;
  setReady();
}

// Only the newest answer may draw: a slow reply to an older filter must not overwrite it.
let timelineRequest = 0;
async function refreshTimeline(state) {
  const chosen = state.actors;
  const names = chosen ? chosen.map((slug) => data.actorsBySlug.get(slug)?.short_name || slug) : [];
  $("histogram-filter").textContent = chosen
    ? `(${names.join(", ") || "no actors"})`
    : "(all actors)";
  const request = ++timelineRequest;
  if (chosen && chosen.length === 0) {
    histogram.setBuckets([]);
    return;
  }
  const answer = await track(fetchTimeline(chosen));
  if (request === timelineRequest) histogram.setBuckets(answer.buckets);
}

// ---- the map's view in the URL (replaceState: panning should not fill the Back button)

function applyView(state) {
  if (state.z !== null) map.setView([state.lat, state.lon], state.z, { animate: false });
  else if (homeBounds) map.fitBounds(homeBounds, { padding: [24, 24], maxZoom: 8, animate: false });
  else map.setView([35, 38], 6, { animate: false });
}

function writeView() {
  const center = map.getCenter();
  writeState({ z: map.getZoom(), lat: center.lat, lon: center.lng });
}

// ---- start

shareButton($("share"), $("share-note"));
savePngButton($("save-png"), $("share-note"), {
  map,
  actors: () => data.actorsBySlug,
  defaultDate: config.defaultDate,
  span: [config.spanStart, config.spanEnd],
  tileAttribution: config.tileAttribution,
});

$("window-select").addEventListener("change", (event) => {
  writeState({ win: Number(event.target.value) }, { push: true });
});

async function start() {
  const basemap = track(fetchBasemap())
    .then((topology) => drawBasemap(map, topology, () => sites.markerBoxes()))
    .catch((error) =>
      notice(
        `The offline basemap could not be drawn (${error.message}); markers are still correct.`,
      ),
    );
  const actors = await track(fetchActors());
  data.actorsBySlug = new Map(actors.map((actor) => [actor.slug, actor]));
  data.index = new YearIndex({ catalogue: fetchCatalogue, year: fetchYear }, data.actorsBySlug);
  await track(data.index.load());
  homeBounds = data.index.bounds();
  sites.setPlaces([...data.index.sites.values()]);

  filter = new ActorFilter($("actor-filter"), actors, {
    onChange: (chosen) => writeState({ actors: chosen }, { push: true }),
  });

  // A link naming an actor this dataset lacks: the server's notice explains; the filter ignores it.
  const asked = readState().actors;
  if (asked && asked.some((slug) => !data.actorsBySlug.has(slug))) {
    const known = asked.filter((slug) => data.actorsBySlug.has(slug));
    writeState({ actors: known.length ? known : null });
  }

  const state = readState();
  // The first drawing waits for its years, so a link's open site is found on the map.
  const first = state.date || config.defaultDate;
  const firstYears = yearsFor(first, windowStart(windowEnd(first), state.win));
  if (state.compare) firstYears.push(yearOf(state.compare));
  if (await track(data.index.ensure(firstYears))) {
    sites.setPlaces([...data.index.sites.values()]);
  }
  homeBounds = data.index.bounds();
  applyView(state);
  map.on("moveend", writeView);
  // A link naming an open popup: redraw opens it, or the name is dropped if the site is not shown.
  redraw(state);
  if (state.site && !sites.has(state.site)) writeState({ site: null });
  refreshTimeline(state);
  await basemap;
}

function onChange(state, changed) {
  const redrawn =
    changed.has("date") || changed.has("actors") || changed.has("win") || changed.has("compare");
  if (redrawn) redraw(state);
  else if (changed.has("from") || changed.has("to")) {
    const date = state.date || config.defaultDate;
    showDate(state, date, windowStart(windowEnd(date), state.win));
  }
  if (changed.has("actors")) refreshTimeline(state);
  return redrawn;
}

onStateChange((state, changed, cause) => {
  if (!drawn) return;
  if (cause !== "popstate") {
    onChange(state, changed);
    return;
  }
  // Back or Forward: show the entry as it was written, and write nothing to it.
  time.pause();
  time.cancelTyping();
  const shown = state.date || config.defaultDate;
  showDate(state, shown, windowStart(windowEnd(shown), state.win));
  followingHistory = true;
  map.off("moveend", writeView);
  try {
    if (changed.has("z") || changed.has("lat") || changed.has("lon")) applyView(state);
    const redrawn = onChange(state, changed);
    if (!redrawn && changed.has("site")) sites.show(state.site, { pan: false });
  } finally {
    map.on("moveend", writeView);
    followingHistory = false;
  }
});

start().catch((error) => {
  notice(`The map's data could not be loaded (${error.message}). Reload to try again.`);
  drawn = true;
  setReady();
});
