// Events and movements per month under the map, on the same axis as the date slider: both span
// the timeline's visible range over the same pixels (the track is inset by half the slider's
// thumb, timeline.css), so a bar sits right under the slider position of its month.
// Dragging across the track (a brush) chooses a new visible range; a click on a bar jumps to it.
// Only months with something in them are buttons, and all of them are one tab stop (a roving
// tabindex): Tab enters on the month of the date shown, arrow keys move between months, Home and
// End go to the first and last. The bars are plain positioned elements, no chart library.

import { clear, h } from "./dom.js";
import { addDays, addMonths, clampDate, formatWhen, fromDayNumber, toDayNumber } from "./format.js";

// Narrowest a month is drawn in the default range, so every bar stays a target a finger or a
// mouse can hit; wider on a touch or narrow screen. The default range is cut to the months that
// fit at this width (fittingMonths); a range the user widens may draw months thinner.
const MIN_MONTH_PX = 6;
const MIN_MONTH_PX_TOUCH = 10;
// A drag shorter than this is a click on a bar, not a brush.
const BRUSH_MIN_PX = 6;
// Year labels stay at least this far apart; months are labelled when a month is this wide.
const LABEL_GAP_PX = 40;
const MONTH_LABEL_PX = 34;
const START_LABEL_PX = 64;
const touch = () => window.matchMedia("(pointer: coarse), (max-width: 760px)").matches;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// @function fittingMonths(container: Element): number
// How many months the histogram can draw at its minimum bar width.
export function fittingMonths(container) {
  const width = container.clientWidth || window.innerWidth;
  return Math.max(12, Math.floor(width / (touch() ? MIN_MONTH_PX_TOUCH : MIN_MONTH_PX)));
}

export class Histogram {
  // onPick(date: string) is called with the last day of the chosen month;
  // onBrush(from: string, to: string) with the range dragged across.
  constructor(container, { spanStart, spanEnd, onPick, onBrush }) {
    this._container = container;
    this._start = spanStart;
    this._end = spanEnd;
    this._onPick = onPick;
    this._onBrush = onBrush;
    // No range until setRange: the first call draws, whatever range it names.
    this._from = null;
    this._to = null;
    this._buckets = [];
    this._date = spanEnd;
    this._windowStart = spanEnd;
    this._bars = h("div", {
      class: "histogram-bars",
      role: "toolbar",
      "aria-label": "Months with events or movements",
      "aria-orientation": "horizontal",
      onkeydown: (event) => this._onKey(event),
    });
    this._window = h("div", { class: "histogram-window", "aria-hidden": "true" });
    this._cursor = h("div", { class: "histogram-cursor", "aria-hidden": "true" });
    this._brush = h("div", { class: "histogram-brush", "aria-hidden": "true", hidden: true });
    this._axis = h("div", { class: "histogram-axis", "aria-hidden": "true" });
    this._empty = h(
      "p",
      { class: "histogram-empty muted", hidden: true },
      "Nothing to count for these actors.",
    );
    this._track = h(
      "div",
      { class: "histogram-track" },
      this._window,
      this._bars,
      this._cursor,
      this._brush,
      this._axis,
    );
    clear(container).append(this._track, this._empty);
    this._listenForBrush();
    // How many year labels fit depends on the width: a rotated phone or a resized window relabels.
    new ResizeObserver(() => this._drawAxis()).observe(this._track);
  }

  // Days from the range's first day, as a share of the track (0..100, not clamped).
  _percent(iso) {
    const first = toDayNumber(this._from);
    return ((toDayNumber(iso) - first) / (toDayNumber(this._to) - first)) * 100;
  }

  _clamped(iso) {
    return Math.min(100, Math.max(0, this._percent(iso)));
  }

  // @method setRange(from: string, to: string): this
  setRange(from, to) {
    if (from === this._from && to === this._to) return this;
    this._from = from;
    this._to = to;
    this._drawBars();
    this._drawAxis();
    this._drawDate();
    return this;
  }

  _drawAxis() {
    clear(this._axis);
    if (!this._from) return;
    const width = this._track.clientWidth || this._container.clientWidth || 1;
    const perDay = width / Math.max(1, toDayNumber(this._to) - toDayNumber(this._from));
    const yearPx = perDay * 365.25;
    // Every year when there is room, else every 2nd, 5th, 10th... year.
    const every = [1, 2, 5, 10, 20, 50].find((n) => n * yearPx >= LABEL_GAP_PX) || 100;
    const firstYear = Number(this._from.slice(0, 4));
    const lastYear = Number(this._to.slice(0, 4));
    const marks = [];
    const tick = (iso, text, kind) => {
      const at = this._percent(iso);
      if (at >= 0 && at <= 100) marks.push({ at, text, kind });
    };
    // The range's first day is named unless a year label right after it leaves no room, so the
    // axis does not start unlabelled (1971 on the whole span, where only every fifth year fits).
    const startText = this._from.endsWith("-01-01")
      ? String(Number(this._from.slice(0, 4)))
      : formatWhen(this._from, "month");
    tick(this._from, startText, "tick-start");
    for (let year = firstYear + 1; year <= lastYear; year += 1) {
      if (year % every === 0) {
        tick(`${String(year).padStart(4, "0")}-01-01`, String(year), "tick-year");
      }
    }
    // A short range also names its months.
    if (perDay * 30.44 >= MONTH_LABEL_PX) {
      for (let month = addMonths(`${this._from.slice(0, 7)}-01`, 1); month <= this._to; ) {
        if (!month.endsWith("-01-01")) {
          tick(month, MONTHS[Number(month.slice(5, 7)) - 1], "tick-month");
        }
        month = addMonths(month, 1);
      }
    }
    // Years first, then the range's first day, then months where there is room: a label too
    // close to one already placed is left out.
    const placed = [];
    const kept = (kind) => ({ "tick-year": 0, "tick-start": 1 })[kind] ?? 2;
    marks.sort((a, b) => kept(a.kind) - kept(b.kind) || a.at - b.at);
    // The first label ("Dec 2024") is wider than a year or a month name.
    const widths = { "tick-month": MONTH_LABEL_PX, "tick-start": START_LABEL_PX };
    const room = (kind) => widths[kind] || LABEL_GAP_PX;
    for (const { at, text, kind } of marks) {
      const x = (at / 100) * width;
      const clash = (other) =>
        Math.abs(other.x - x) < (other.x < x ? room(other.kind) : room(kind));
      if (placed.some(clash)) continue;
      placed.push({ x, kind });
      // A label near the right end reads leftwards from its tick, so it is not cut off.
      const nearEnd = x > width - LABEL_GAP_PX;
      const mark = h(
        "span",
        { class: `histogram-tick ${kind}${nearEnd ? " tick-end" : ""}` },
        text,
      );
      mark.style.left = `${at}%`;
      this._axis.append(mark);
    }
  }

  // @method setBuckets(buckets: Array<{bucket, events, movements, total}>): this
  setBuckets(buckets) {
    this._buckets = buckets;
    this._drawBars();
    return this;
  }

  _drawBars() {
    clear(this._bars);
    if (!this._from) return;
    const shown = this._buckets.filter(
      (b) => b.total && b.bucket <= this._to && addMonths(b.bucket, 1) > this._from,
    );
    // Bars are scaled to the busiest month in view, so a narrow range still shows its shape.
    const peak = Math.max(1, ...shown.map((b) => b.total));
    for (const b of shown) {
      const month = b.bucket;
      const next = addMonths(month, 1);
      const lastDay = clampDate(addDays(next, -1), this._start, this._end);
      const name = formatWhen(month, "month");
      const text = `${name}: ${b.events} event${b.events === 1 ? "" : "s"}, ${b.movements} movement${b.movements === 1 ? "" : "s"}`;
      const bar = h("button", {
        type: "button",
        class: "histogram-bar",
        title: text,
        "aria-label": `${text}. Jump to ${formatWhen(lastDay)}`,
        dataset: { month },
        onclick: () => this._onPick(lastDay),
      });
      const left = this._clamped(month);
      bar.style.left = `${left}%`;
      bar.style.width = `max(1px, calc(${this._clamped(next) - left}% - 1px))`;
      const fill = h("span", { class: "bar-fill" });
      fill.style.height = `${Math.max(8, (b.total / peak) * 100)}%`;
      const events = h("span", { class: "seg-events" });
      events.style.height = `${(b.events / b.total) * 100}%`;
      const movements = h("span", { class: "seg-movements" });
      movements.style.height = `${(b.movements / b.total) * 100}%`;
      fill.append(movements, events);
      bar.append(fill);
      this._bars.append(bar);
    }
    this._empty.hidden = shown.length > 0;
    this._rove();
  }

  // The one bar Tab reaches: the month of the date shown, else the last month before it, else
  // the first month.
  _rove() {
    const bars = [...this._bars.children];
    const month = `${this._date.slice(0, 7)}-01`;
    let chosen = bars[0];
    for (const bar of bars) if (bar.dataset.month <= month) chosen = bar;
    for (const bar of bars) bar.tabIndex = bar === chosen ? 0 : -1;
  }

  _onKey(event) {
    const bars = [...this._bars.children];
    const at = bars.indexOf(document.activeElement);
    if (at < 0) return;
    const to = {
      ArrowRight: at + 1,
      ArrowDown: at + 1,
      ArrowLeft: at - 1,
      ArrowUp: at - 1,
      Home: 0,
      End: bars.length - 1,
    }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = bars[Math.max(0, Math.min(bars.length - 1, to))];
    for (const bar of bars) bar.tabIndex = bar === next ? 0 : -1;
    next.focus();
  }

  // ---- the brush: drag across the track to show only that range

  _dateAt(clientX) {
    const box = this._track.getBoundingClientRect();
    const share = Math.min(1, Math.max(0, (clientX - box.left) / box.width));
    const first = toDayNumber(this._from);
    return fromDayNumber(first + Math.round(share * (toDayNumber(this._to) - first)));
  }

  _listenForBrush() {
    let down = null;
    let brushing = false;
    let swallowClick = false;
    const place = (x) => {
      const box = this._track.getBoundingClientRect();
      const a = Math.max(0, Math.min(down.x, x) - box.left);
      const b = Math.min(box.width, Math.max(down.x, x) - box.left);
      this._brush.style.left = `${a}px`;
      this._brush.style.width = `${Math.max(1, b - a)}px`;
    };
    this._track.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      down = { x: event.clientX, id: event.pointerId };
      brushing = false;
      swallowClick = false;
    });
    this._track.addEventListener("pointermove", (event) => {
      if (!down || event.pointerId !== down.id) return;
      if (!brushing && Math.abs(event.clientX - down.x) >= BRUSH_MIN_PX) {
        brushing = true;
        this._track.setPointerCapture(event.pointerId);
        this._brush.hidden = false;
      }
      if (brushing) place(event.clientX);
    });
    const finish = (event, apply) => {
      if (!down || event.pointerId !== down.id) return;
      if (brushing) {
        swallowClick = true;
        this._brush.hidden = true;
        if (apply) {
          const a = this._dateAt(Math.min(down.x, event.clientX));
          const b = this._dateAt(Math.max(down.x, event.clientX));
          this._onBrush(a, b);
        }
      }
      down = null;
      brushing = false;
    };
    this._track.addEventListener("pointerup", (event) => finish(event, true));
    this._track.addEventListener("pointercancel", (event) => finish(event, false));
    // The click that ends a brush is not a pick of the bar it ended on.
    this._track.addEventListener(
      "click",
      (event) => {
        if (!swallowClick) return;
        swallowClick = false;
        event.stopPropagation();
        event.preventDefault();
      },
      true,
    );
  }

  // @method setDate(date: string, windowStart: string): this
  setDate(date, windowStart) {
    this._date = date;
    this._windowStart = windowStart;
    // Keyboard focus stays where the reader moved it; otherwise Tab enters at the date shown.
    if (!this._bars.contains(document.activeElement)) this._rove();
    this._drawDate();
    return this;
  }

  _drawDate() {
    if (!this._from) return;
    const date = this._date;
    const windowStart = this._windowStart;
    this._cursor.style.left = `${this._clamped(date)}%`;
    const from = this._clamped(windowStart);
    this._window.style.left = `${from}%`;
    this._window.style.width = `${Math.max(0.3, this._clamped(addDays(date, 1)) - from)}%`;
    for (const bar of this._bars.children) {
      bar.classList.toggle(
        "in-window",
        bar.dataset.month <= date && addMonths(bar.dataset.month, 1) > windowStart,
      );
    }
  }
}
