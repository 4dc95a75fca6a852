// "Save as PNG": the map as it is on screen, with the date, a legend of actors and statuses and
// the credit line stamped on, as a file named for its date and actors.
//
// Drawn here rather than by a page-screenshot library: the basemap, sites and arrows are already
// pixels on Leaflet's canvases (preferCanvas, the "basemap" and "movements" panes), so they are
// copied as they are; only the few DOM markers (site names, "?"/"!" badges, event diamonds,
// cluster discs, off-map tags, country names) are painted again from their computed styles at
// the positions the browser laid them out. Nothing is fetched and no markup is built, so it runs
// under the page's strict CSP and cannot be led astray by a site's name.
//
// The image is the map's size in CSS pixels times devicePixelRatio. The stamps sit inside it:
// the date top left, the legend bottom left, the credit bottom right.
//
// Remote tiles (when the settings name a tile server) come from another origin without CORS, and
// one drawn tile would make the canvas unexportable; they are left out, and the credit says the
// picture's basemap is Natural Earth alone.

import { safeColor } from "./dom.js";
import { formatWhen } from "./format.js";
import { ringStyle } from "./layers.js";
import { readState } from "./state.js";

const FONT = "system-ui, sans-serif";
const INK = "#1d1d1d";
const MARGIN = 10;
const PAD = 8;
const ROW = 18;
// Panes that hold the map's picture, not its interface (popups and tooltips are interface).
const SKIPPED_PANES = new Set([
  "leaflet-popup-pane",
  "leaflet-tooltip-pane",
  "leaflet-shadow-pane",
]);
// Key samples share one neutral fill, so the key shows the stroke and fill patterns, not an actor.
const SAMPLE_FILL = "#8c8c8c";
const STATUS_KEY = [
  ["active", {}, "active"],
  ["drawdown", {}, "drawing down"],
  ["contested", {}, "contested"],
  ["withdrawn", {}, "withdrawn"],
  ["active", { low: true }, "low confidence (?)"],
];
const WINDOW_WORDS = { 1: "month", 3: "3 months", 12: "year" };

// @function savePngButton(button, note, options: {map, actors: () => Map, defaultDate,
//   span: [first, last] ISO dates of the data, tileAttribution}): void
export function savePngButton(button, note, { map, actors, defaultDate, span, tileAttribution }) {
  button.addEventListener("click", () => {
    const state = readState();
    const date = state.date || defaultDate;
    const chosen = chosenActors(actors(), state.actors);
    const name = fileName(date, state.actors);
    const saved = (blob) => {
      if (!blob) {
        note.textContent = "The picture could not be saved.";
        return;
      }
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      document.body.append(link);
      link.click();
      link.remove();
      // The download has taken its copy once the click is handled; a minute is ample.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      note.textContent = `Saved ${name}.`;
    };
    try {
      const stamp = { date, chosen, win: state.win, span, tileAttribution };
      drawMap(map, stamp).toBlob(saved, "image/png");
    } catch (error) {
      // A canvas holding another origin's pixels refuses toBlob; drawPanes leaves such tiles out.
      note.textContent = `The picture could not be drawn (${error.message}).`;
    }
  });
}

// More actors than this in a file name are counted rather than listed (as app/api/export.py).
const NAMED_ACTORS = 4;

// "orbat-map-2026-02-23-all-actors.png", "orbat-map-2026-02-23-russia-sdf.png": the exports'
// pattern (sorted slugs, the first four, then "and-N-more"), saying "all-actors" outright.
export function fileName(date, actorSlugs) {
  if (!actorSlugs) return `orbat-map-${date}-all-actors.png`;
  const chosen = actorSlugs
    .map((slug) => slug.toLowerCase().replace(/[^a-z0-9-]/g, ""))
    .filter(Boolean)
    .sort();
  if (!chosen.length) return `orbat-map-${date}-no-actors.png`;
  const parts = chosen.slice(0, NAMED_ACTORS);
  if (chosen.length > NAMED_ACTORS) parts.push(`and-${chosen.length - NAMED_ACTORS}-more`);
  return `orbat-map-${date}-${parts.join("-")}.png`;
}

function chosenActors(bySlug, slugs) {
  const all = [...bySlug.values()];
  if (!slugs) return all;
  return slugs.map((slug) => bySlug.get(slug)).filter(Boolean);
}

// @function drawMap(map: L.Map, stamp: {date, chosen, win, span, tileAttribution}): canvas
export function drawMap(map, { date, chosen, win, span = null, tileAttribution = "" }) {
  const container = map.getContainer();
  const origin = container.getBoundingClientRect();
  const width = container.clientWidth;
  const height = container.clientHeight;
  const scale = window.devicePixelRatio || 1;
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext("2d");
  ctx.scale(scale, scale);
  ctx.fillStyle = getComputedStyle(container).backgroundColor || "#ffffff";
  ctx.fillRect(0, 0, width, height);

  ctx.save();
  ctx.beginPath();
  ctx.rect(0, 0, width, height);
  ctx.clip();
  const skippedTiles = drawPanes(ctx, map, origin);
  ctx.restore();

  stampDate(ctx, date, win, width, span);
  const credit = stampCredit(ctx, width, height, creditText(map, skippedTiles, tileAttribution));
  stampLegend(ctx, chosen, width, height, credit);
  return canvas;
}

// The panes from the bottom up, as the browser stacks them. Returns whether a tile was left out.
function drawPanes(ctx, map, origin) {
  const panes = [...map.getPane("mapPane").children].filter(
    (pane) =>
      pane.classList.contains("leaflet-pane") &&
      ![...pane.classList].some((name) => SKIPPED_PANES.has(name)),
  );
  const depth = (pane) => Number(getComputedStyle(pane).zIndex) || 0;
  panes.sort((a, b) => depth(a) - depth(b));
  let skippedTiles = false;
  for (const pane of panes) {
    for (const element of pane.querySelectorAll("canvas, img.leaflet-tile, .leaflet-marker-icon")) {
      const box = element.getBoundingClientRect();
      const x = box.left - origin.left;
      const y = box.top - origin.top;
      // A marker may be a box of no size whose children are placed around its point (a town).
      if (!element.classList.contains("leaflet-marker-icon") && (!box.width || !box.height)) {
        continue;
      } else if (element instanceof HTMLCanvasElement) {
        ctx.drawImage(element, x, y, box.width, box.height);
      } else if (element instanceof HTMLImageElement) {
        // A tile that never loaded is not on the screen either; one from elsewhere is left out.
        if (!element.complete || !element.naturalWidth) continue;
        if (sameOrigin(element.src)) ctx.drawImage(element, x, y, box.width, box.height);
        else skippedTiles = true;
      } else {
        paintElement(ctx, element, origin);
      }
    }
  }
  return skippedTiles;
}

function sameOrigin(src) {
  try {
    return new URL(src, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

// ---- a DOM marker painted again: boxes (background, border, rounded corners, rotation, a
// box-shadow ring, a conic gradient) and text (font, colour, a halo for text-shadow)

function paintElement(ctx, element, origin) {
  const style = getComputedStyle(element);
  if (style.display === "none" || style.visibility === "hidden" || style.opacity === "0") return;
  paintBox(ctx, element, style, origin);
  paintBefore(ctx, element, origin);
  for (const child of element.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) paintText(ctx, child, style, origin);
    else if (child instanceof HTMLElement) paintElement(ctx, child, origin);
  }
}

function paintBox(ctx, element, style, origin) {
  const w = element.offsetWidth;
  const h = element.offsetHeight;
  if (!w || !h) return;
  const box = element.getBoundingClientRect();
  const cx = box.left + box.width / 2 - origin.left;
  const cy = box.top + box.height / 2 - origin.top;
  const radius = cornerRadius(style.borderTopLeftRadius, w, h);
  const border = parseFloat(style.borderTopWidth) || 0;
  const ring = spreadShadow(style.boxShadow);
  const fill = visible(style.backgroundColor) ? style.backgroundColor : null;
  const conic = conicGradient(ctx, style.backgroundImage);
  if (!fill && !conic && !ring && !(border && style.borderTopStyle !== "none")) return;

  ctx.save();
  ctx.translate(cx, cy);
  ctx.rotate(rotation(style.transform));
  if (ring) {
    ctx.fillStyle = ring.color;
    const s = ring.spread;
    roundRect(ctx, -w / 2 - s, -h / 2 - s, w + 2 * s, h + 2 * s, radius);
    ctx.fill();
  }
  roundRect(ctx, -w / 2, -h / 2, w, h, radius);
  if (fill) {
    ctx.fillStyle = fill;
    ctx.fill();
  }
  if (conic) {
    ctx.fillStyle = conic;
    ctx.fill();
  }
  if (border && style.borderTopStyle !== "none" && visible(style.borderTopColor)) {
    ctx.lineWidth = border;
    ctx.strokeStyle = style.borderTopColor;
    if (style.borderTopStyle === "dotted") ctx.setLineDash([border, border * 1.5]);
    if (style.borderTopStyle === "dashed") ctx.setLineDash([border * 3, border * 2]);
    roundRect(ctx, -w / 2 + border / 2, -h / 2 + border / 2, w - border, h - border, radius);
    ctx.stroke();
  }
  ctx.restore();
}

// A ::before placed absolutely in pixels (a town's dot): painted as a box at that place.
function paintBefore(ctx, element, origin) {
  const style = getComputedStyle(element, "::before");
  if (style.content === "none" || style.position !== "absolute") return;
  const w = parseFloat(style.width);
  const h = parseFloat(style.height);
  const left = parseFloat(style.left);
  const top = parseFloat(style.top);
  if (![w, h, left, top].every(Number.isFinite) || !w || !h) return;
  const box = element.getBoundingClientRect();
  const x = box.left + element.clientLeft + left - origin.left;
  const y = box.top + element.clientTop + top - origin.top;
  const radius = cornerRadius(style.borderTopLeftRadius, w, h);
  ctx.save();
  const ring = spreadShadow(style.boxShadow);
  if (ring) {
    const s = ring.spread;
    ctx.fillStyle = ring.color;
    roundRect(ctx, x - s, y - s, w + 2 * s, h + 2 * s, radius);
    ctx.fill();
  }
  if (visible(style.backgroundColor)) {
    ctx.fillStyle = style.backgroundColor;
    roundRect(ctx, x, y, w, h, radius);
    ctx.fill();
  }
  ctx.restore();
}

function paintText(ctx, node, style, origin) {
  let text = node.textContent.trim();
  if (!text) return;
  if (style.textTransform === "uppercase") text = text.toUpperCase();
  const range = document.createRange();
  range.selectNodeContents(node);
  const box = range.getBoundingClientRect();
  if (!box.width) return;
  ctx.save();
  ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  ctx.letterSpacing = style.letterSpacing === "normal" ? "0px" : style.letterSpacing;
  ctx.textBaseline = "middle";
  ctx.textAlign = "center";
  const x = box.left + box.width / 2 - origin.left;
  const y = box.top + box.height / 2 - origin.top;
  const halo = firstColor(style.textShadow);
  if (halo) {
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = halo;
    ctx.strokeText(text, x, y);
  }
  ctx.fillStyle = style.color;
  ctx.fillText(text, x, y);
  ctx.restore();
}

const COLOR = /(rgba?\([^)]*\)|#[0-9a-f]{3,8})/i;

function firstColor(value) {
  if (!value || value === "none") return null;
  const match = COLOR.exec(value);
  return match ? match[1] : null;
}

function visible(color) {
  return Boolean(color) && color !== "transparent" && !/rgba\([^)]*,\s*0\)$/.test(color);
}

function cornerRadius(value, w, h) {
  const n = parseFloat(value) || 0;
  return Math.min(value.endsWith("%") ? (n / 100) * Math.min(w, h) : n, Math.min(w, h) / 2);
}

// Only a ring drawn as a spread shadow with no offset or blur (the event diamond's outline).
function spreadShadow(value) {
  const match = /^(rgba?\([^)]*\)|#\w+) 0px 0px 0px ([\d.]+)px$/.exec(value || "");
  return match ? { color: match[1], spread: Number(match[2]) } : null;
}

// The angle of a computed transform matrix: the event diamond is a square turned 45°.
function rotation(transform) {
  const match = /^matrix\(([^,]+),\s*([^,]+)/.exec(transform || "");
  return match ? Math.atan2(Number(match[2]), Number(match[1])) : 0;
}

const CONIC_STOP = /(rgba?\([^)]*\)|#[0-9a-f]{3,8})\s+([\d.]+)deg(?:\s+([\d.]+)deg)?/gi;

// The cluster disc's pie: "conic-gradient(rgb(…) 0deg, rgb(…) 120deg, …)" as computed.
function conicGradient(ctx, image) {
  if (!image || !image.startsWith("conic-gradient(")) return null;
  const stops = [...image.matchAll(CONIC_STOP)];
  if (!stops.length) return null;
  // CSS starts at twelve o'clock, the canvas at three.
  const gradient = ctx.createConicGradient(-Math.PI / 2, 0, 0);
  for (const [, color, from, to] of stops) {
    gradient.addColorStop(Math.min(1, Number(from) / 360), color);
    if (to !== undefined) gradient.addColorStop(Math.min(1, Number(to) / 360), color);
  }
  return gradient;
}

function roundRect(ctx, x, y, w, h, radius) {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, radius);
}

// ---- the stamps

function panel(ctx, x, y, w, h) {
  ctx.save();
  // Opaque: the stamps must read the same over any map.
  ctx.fillStyle = "#ffffff";
  ctx.strokeStyle = "#8a8478";
  ctx.lineWidth = 1;
  roundRect(ctx, x + 0.5, y + 0.5, w, h, 4);
  ctx.fill();
  ctx.stroke();
  ctx.restore();
}

// The date, and under it the window of events and movements; or, for a date outside the data,
// where the data ends (or starts), as the page itself says: a picture must not pass for news.
function stampDate(ctx, date, win, width, span) {
  const title = `Sites on ${formatWhen(date)}`;
  const room = width - 2 * MARGIN - 2 * PAD;
  ctx.save();
  ctx.font = `400 11px ${FONT}`;
  const months = WINDOW_WORDS[win] || "month";
  let words = `Orbat Map · events and movements: the ${months} up to then`;
  if (span && date > span[1]) words = `Orbat Map · the data ends on ${formatWhen(span[1])}`;
  if (span && date < span[0]) words = `Orbat Map · the data starts on ${formatWhen(span[0])}`;
  const line = fitText(ctx, words, room);
  const lineWidth = ctx.measureText(line).width;
  ctx.font = `700 17px ${FONT}`;
  const titleWidth = ctx.measureText(title).width;
  const w = Math.max(titleWidth, lineWidth) + 2 * PAD;
  panel(ctx, MARGIN, MARGIN, w, 44);
  ctx.fillStyle = INK;
  ctx.textBaseline = "top";
  ctx.font = `700 17px ${FONT}`;
  ctx.fillText(title, MARGIN + PAD, MARGIN + 6);
  ctx.font = `400 11px ${FONT}`;
  ctx.fillText(line, MARGIN + PAD, MARGIN + 27);
  ctx.restore();
}

// Text cut with "…" to fit a width (the font already set).
function fitText(ctx, text, room) {
  if (ctx.measureText(text).width <= room) return text;
  let cut = text;
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > room) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

// Actors with their colours, then the status key drawn with the map's own ring styles. Bottom
// left, lifted above the credit line where a narrow map leaves no room beside it.
function stampLegend(ctx, chosen, width, height, credit) {
  const rows = chosen.length ? chosen.length : 1;
  const h = PAD + 16 + rows * ROW + 6 + 16 + STATUS_KEY.length * ROW + PAD;
  ctx.save();
  ctx.font = `400 12px ${FONT}`;
  const room = width - 2 * MARGIN - 2 * PAD - 22;
  const names = chosen.map((actor) => fitText(ctx, actor.name, room));
  const widest = Math.max(
    ...[...names, "No actors chosen", ...STATUS_KEY.map(([, , words]) => words)].map(
      (text) => ctx.measureText(text).width,
    ),
  );
  const w = PAD + 22 + widest + PAD;
  const x = MARGIN;
  const bottom = x + w + MARGIN > credit.left ? credit.top - 4 : height - MARGIN;
  let y = bottom - h;
  panel(ctx, x, y, w, h);
  ctx.fillStyle = INK;
  ctx.textBaseline = "middle";
  const heading = (text) => {
    ctx.font = `700 12px ${FONT}`;
    ctx.fillStyle = INK;
    ctx.fillText(text, x + PAD, y + 8);
    y += 16;
  };
  y += PAD;
  heading("Actors");
  if (!chosen.length) {
    ctx.font = `400 12px ${FONT}`;
    ctx.fillText("No actors chosen", x + PAD, y + ROW / 2);
    y += ROW;
  }
  chosen.forEach((actor, n) => {
    // Opaque, unlike a marker's fill: the swatch is the actor's colour exactly.
    const style = { ...ringStyle(safeColor(actor.color), "active"), fillOpacity: 1 };
    sample(ctx, x + PAD + 8, y + ROW / 2, style);
    ctx.font = `400 12px ${FONT}`;
    ctx.fillStyle = INK;
    ctx.fillText(names[n], x + PAD + 22, y + ROW / 2);
    y += ROW;
  });
  y += 6;
  heading("Status");
  for (const [status, doubt, words] of STATUS_KEY) {
    sample(ctx, x + PAD + 8, y + ROW / 2, ringStyle(SAMPLE_FILL, status, doubt));
    if (doubt.low) {
      ctx.font = `700 10px ${FONT}`;
      ctx.fillStyle = INK;
      ctx.fillText("?", x + PAD + 14, y + 4);
    }
    ctx.font = `400 12px ${FONT}`;
    ctx.fillStyle = INK;
    ctx.fillText(words, x + PAD + 22, y + ROW / 2);
    y += ROW;
  }
  ctx.restore();
}

// One circle in a Leaflet path style (colour, weight, dash, fill and stroke opacity).
function sample(ctx, x, y, style) {
  ctx.save();
  ctx.beginPath();
  ctx.arc(x, y, 6, 0, 2 * Math.PI);
  if (style.fillOpacity > 0) {
    ctx.globalAlpha = style.fillOpacity;
    ctx.fillStyle = style.fillColor;
    ctx.fill();
  }
  ctx.globalAlpha = style.opacity;
  ctx.lineWidth = style.weight;
  ctx.strokeStyle = style.color;
  ctx.lineCap = style.lineCap || "round";
  if (style.dashArray) ctx.setLineDash(style.dashArray.split(/[ ,]+/).map(Number));
  ctx.stroke();
  ctx.restore();
}

// What the map's attribution control says (it names the basemap actually drawn), less any remote
// tiles' credit when their tiles were left out of the picture.
function creditText(map, skippedTiles, tileAttribution) {
  const control = map.attributionControl?.getContainer();
  let text = control ? control.textContent : "Leaflet";
  if (skippedTiles && tileAttribution) {
    // The attribution is markup from the settings; parsed inert, only its words are kept.
    const words = new DOMParser().parseFromString(tileAttribution, "text/html").body.textContent;
    if (words.trim()) text = text.replace(words.trim(), "");
  }
  text = text
    .split("|")
    .map((part) => part.replace(/\s+/g, " ").replace(/^[\s,]+|[\s,]+$/g, ""))
    .filter(Boolean)
    .join(" · ");
  const left = skippedTiles ? " (online map tiles left out)" : "";
  return `Orbat Map · ${text}${left}`;
}

// Words in lines no wider than room (the font already set).
function wrapText(ctx, text, room) {
  const lines = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (line && ctx.measureText(next).width > room) {
      lines.push(line);
      line = word;
    } else {
      line = next;
    }
  }
  if (line) lines.push(line);
  return lines.map((each) => fitText(ctx, each, room));
}

const CREDIT_LINE = 14;

function stampCredit(ctx, width, height, text) {
  ctx.save();
  ctx.font = `400 11px ${FONT}`;
  const lines = wrapText(ctx, text, width - 2 * MARGIN - 12);
  const w = Math.max(...lines.map((line) => ctx.measureText(line).width)) + 2 * 6;
  const h = lines.length * CREDIT_LINE + 4;
  const x = width - MARGIN - w;
  const y = height - MARGIN - h;
  panel(ctx, x, y, w, h);
  ctx.fillStyle = INK;
  ctx.textBaseline = "middle";
  lines.forEach((line, n) => ctx.fillText(line, x + 6, y + 2 + CREDIT_LINE * n + CREDIT_LINE / 2));
  ctx.restore();
  return { left: x, top: y };
}
