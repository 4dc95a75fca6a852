// The cards shown in popups and in the side panel. One builder per record kind, so a deployment
// reads the same in a popup, in the panel and in the list.

import { clear, h, safeUrl, swatch } from "./dom.js";
import { siteHref } from "./state.js";
import {
  STATUS_TEXT,
  describeGrade,
  formatGrade,
  formatSpan,
  formatWhen,
  label,
} from "./format.js";

export function statusBadge(status) {
  return h("span", { class: `status status-${status}` }, STATUS_TEXT[status] || label(status));
}

export function confidenceBadge(confidence) {
  const text = confidence === "low" ? "low confidence ?" : `${confidence} confidence`;
  return h("span", { class: `confidence confidence-${confidence}` }, text);
}

// On a day inside the week, month or year of a coarse start or end: drawn, but said to be unsure.
// Distinct from low confidence, which is about the sources, not the calendar.
export function uncertainBadge() {
  return h(
    "span",
    {
      class: "dates-uncertain",
      title: "The start or end is known only to its week, month or year, and this day is inside it",
    },
    "dates uncertain",
  );
}

// One line under each list of sources, so a grade reads without hovering over it.
export function gradeHelp() {
  return h(
    "p",
    { class: "grade-help" },
    "Grades: letter = how reliable the source is (A best … F cannot be judged); " +
      "number = how credible the claim is (1 confirmed … 6 cannot be judged). ",
    h("a", { href: "/about#grades" }, "About grades"),
  );
}

export function disputedBadge() {
  return h(
    "span",
    { class: "disputed-mark", title: "At least one source contradicts this record" },
    "⚠ disputed",
  );
}

export function singleSourcedBadge() {
  return h(
    "span",
    { class: "single-sourced", title: "Every supporting report goes back to one original" },
    "single-sourced",
  );
}

function citationItem(c) {
  const href = safeUrl(c.url);
  const archive = safeUrl(c.archive_url);
  const name = `${c.publisher}: ${c.title}`;
  return h(
    "li",
    { dataset: { stance: c.stance || "supports" } },
    h(
      "abbr",
      { class: "grade", title: describeGrade(c.reliability, c.credibility) },
      formatGrade(c.reliability, c.credibility),
    ),
    " ",
    href
      ? h("a", { href, rel: "noopener noreferrer", target: "_blank" }, name)
      : [name, " ", h("span", { class: "no-link" }, "(no link recorded)")],
    archive
      ? [
          " ",
          h(
            "a",
            { class: "archive-link", href: archive, rel: "noopener noreferrer", target: "_blank" },
            "archived copy",
          ),
        ]
      : null,
    c.published ? h("span", { class: "muted" }, ` (${formatWhen(c.published)})`) : null,
    c.original
      ? h("span", { class: "relay" }, `reprints ${c.original_publisher}: not independent`)
      : null,
    c.claim ? h("span", { class: "claim" }, c.claim) : null,
  );
}

const STANCE_HEADINGS = [
  ["supports", "Supported by"],
  ["disputes", "Disputed by"],
  ["context", "Context"],
];

// @function citationList(citations, record?): Array<HTMLElement>
// Citations grouped by stance, under a line that counts independent originals; `record` carries
// the server's summary (sources_text, disputed) when there is one.
export function citationList(citations, record = {}) {
  // A card drawn from the map's index before its sources have arrived (see withEvidence).
  if (citations === undefined) {
    return h("p", { class: "loading-sources", role: "status" }, "Loading notes and sources…");
  }
  if (!citations || citations.length === 0) {
    return h("p", { class: "no-sources" }, "No source cited: not shown as fact.");
  }
  const parts = [];
  if (record.sources_text) {
    parts.push(
      h(
        "p",
        { class: "evidence" },
        record.sources_text,
        record.disputed ? [" · ", disputedBadge()] : null,
      ),
    );
  }
  for (const [stance, heading] of STANCE_HEADINGS) {
    const found = citations.filter((c) => (c.stance || "supports") === stance);
    if (found.length === 0) {
      if (stance === "supports") {
        parts.push(h("p", { class: "no-sources" }, "No supporting source: not shown as fact."));
      }
      continue;
    }
    parts.push(
      h("p", { class: `stance-head stance-${stance}` }, heading),
      h("ul", { class: "sources" }, found.map(citationItem)),
    );
  }
  parts.push(gradeHelp());
  return parts;
}

function deploymentItem(d) {
  return h(
    "li",
    { class: "deployment" },
    h(
      "p",
      { class: "force-line" },
      swatch(d.color),
      " ",
      h("strong", {}, d.force_name),
      h("span", { class: "muted" }, ` (${d.actor_name})`),
    ),
    h(
      "p",
      {},
      statusBadge(d.status),
      " · ",
      confidenceBadge(d.confidence),
      d.uncertain ? [" · ", uncertainBadge()] : null,
      d.disputed ? [" · ", disputedBadge()] : null,
      d.single_sourced ? [" · ", singleSourcedBadge()] : null,
    ),
    d.start ? h("p", {}, formatSpan(d.start, d.start_precision, d.end, d.end_precision)) : null,
    d.strength ? h("p", {}, "Strength: ", d.strength) : null,
    d.note ? h("p", { class: "note" }, d.note) : null,
    citationList(d.citations, d),
  );
}

// @function siteCard(site): HTMLElement
// site: {slug, name, kind, deployments: [deployment properties]}
export function siteCard(site, { headingLevel = 3 } = {}) {
  const forces = new Set(site.deployments.map((d) => d.force)).size;
  return h(
    "div",
    { class: "card site-card" },
    h(
      `h${headingLevel}`,
      { class: "card-title" },
      h("a", { href: siteHref(site.slug) }, site.name),
    ),
    h(
      "p",
      { class: "muted" },
      `${label(site.kind)} · ${forces} force${forces === 1 ? "" : "s"} present`,
    ),
    h("ul", { class: "deployments" }, site.deployments.map(deploymentItem)),
  );
}

export function movementRoute(m) {
  const to = m.to_name || "unknown destination";
  return `${m.from_name} → ${to}${m.to_site ? "" : " (off the map)"}`;
}

// A movement's end is the day it was over (inclusive), unlike a deployment's.
export function movementDates(m) {
  const from = formatWhen(m.start, m.start_precision);
  return m.end ? `${from} to ${formatWhen(m.end, m.end_precision)}` : `from ${from}`;
}

export function movementCard(m, { headingLevel = 3 } = {}) {
  return h(
    "div",
    { class: "card movement-card" },
    h(`h${headingLevel}`, { class: "card-title" }, "Movement: ", movementRoute(m)),
    h(
      "p",
      { class: "force-line" },
      swatch(m.color),
      " ",
      h("strong", {}, m.force_name),
      h("span", { class: "muted" }, ` (${m.actor_name})`),
    ),
    h("p", {}, movementDates(m), " · ", confidenceBadge(m.confidence)),
    m.description ? h("p", {}, m.description) : null,
    citationList(m.citations, m),
  );
}

export function eventCard(e, actorsBySlug, { headingLevel = 3 } = {}) {
  const names = (e.actors || []).map((slug) => actorsBySlug.get(slug)?.name || slug);
  return h(
    "div",
    { class: "card event-card" },
    h(`h${headingLevel}`, { class: "card-title" }, e.title),
    h(
      "p",
      {},
      formatWhen(e.date, e.date_precision),
      " · ",
      label(e.kind),
      " · ",
      confidenceBadge(e.confidence),
    ),
    e.site
      ? h("p", {}, "At ", h("a", { href: siteHref(e.site) }, e.site_name))
      : null,
    names.length ? h("p", { class: "muted" }, `Actors: ${names.join(", ")}`) : null,
    e.description ? h("p", {}, e.description) : null,
    citationList(e.citations, e),
  );
}

// @function withEvidence(card: HTMLElement, full: Promise, build: (record) => HTMLElement, onSwap?): HTMLElement
// The card drawn at once from what the map holds, replaced in place by the whole record (notes,
// strength, sources) when it arrives; `onSwap` lets a popup re-measure itself.
export function withEvidence(card, full, build, onSwap = () => {}) {
  const holder = h("div", { class: "card-holder" }, card);
  full
    .then((record) => {
      holder.replaceChildren(build(record));
      onSwap();
    })
    .catch((error) => {
      holder.querySelector(".loading-sources")?.remove();
      holder.append(
        h("p", { class: "notice", role: "alert" }, `Sources could not be loaded (${error.message}).`),
      );
      onSwap();
    });
  return holder;
}

export function showDetails(section, card) {
  const body = section.querySelector("#details-body");
  clear(body).append(card);
  section.hidden = false;
}
