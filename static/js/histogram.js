// Events and movements per month under the map, on a linear time axis. A long span (decades of a
// naval base) would squash recent years into a sliver, so each month gets at least a few pixels
// and the track scrolls sideways inside its box, following the date.
// Only months with something in them are buttons, and all of them are one tab stop (a roving
// tabindex): Tab enters on the month of the date shown, arrow keys move between months, Home and
// End go to the first and last. The bars are plain positioned elements, no chart library.

import { clear, h } from "./dom.js";
import { addDays, addMonths, clampDate, formatWhen, toDayNumber } from "./format.js";

// Narrowest a month may be drawn, so every bar stays a target a finger or a mouse can hit; wider
// on a touch or narrow screen. Each bar's button is also the track's full height, whatever the
// count, with the visible bar drawn inside it: a short bar is still a tall target.
const MIN_MONTH_PX = 7;
const MIN_MONTH_PX_TOUCH = 10;
const touch = () => window.matchMedia("(pointer: coarse), (max-width: 760px)").matches;

export class Histogram {
  // onPick(date: string) is called with the last day of the chosen month.
  constructor(container, { spanStart, spanEnd, onPick }) {
    this._container = container;
    this._start = spanStart;
    this._end = spanEnd;
    this._onPick = onPick;
    this._first = toDayNumber(spanStart);
    this._days = toDayNumber(spanEnd) - this._first + 1;
    this._bars = h("div", {
      class: "histogram-bars",
      role: "toolbar",
      "aria-label": "Months with events or movements",
      "aria-orientation": "horizontal",
      onkeydown: (event) => this._onKey(event),
    });
    this._date = spanEnd;
    this._window = h("div", { class: "histogram-window", "aria-hidden": "true" });
    this._cursor = h("div", { class: "histogram-cursor", "aria-hidden": "true" });
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
      this._axis,
    );
    const months = this._days / 30.44;
    this._track.style.width = `max(100%, ${Math.ceil(months * (touch() ? MIN_MONTH_PX_TOUCH : MIN_MONTH_PX))}px)`;
    clear(container).append(this._track, this._empty);
    this._drawAxis();
  }

  _percent(iso) {
    const at = ((toDayNumber(iso) - this._first) / this._days) * 100;
    return Math.min(100, Math.max(0, at));
  }

  _drawAxis() {
    const firstYear = Number(this._start.slice(0, 4));
    const lastYear = Number(this._end.slice(0, 4));
    // A year is at least 12 * MIN_MONTH_PX wide, room enough to label every one.
    for (let year = firstYear; year <= lastYear; year += 1) {
      const at = this._percent(`${String(year).padStart(4, "0")}-01-01`);
      if (at <= 0 && year !== firstYear) continue;
      const tick = h("span", { class: "histogram-tick" }, String(year));
      tick.style.left = `${at}%`;
      this._axis.append(tick);
    }
  }

  // @method setBuckets(buckets: Array<{bucket, events, movements, total}>): this
  setBuckets(buckets) {
    clear(this._bars);
    const peak = Math.max(1, ...buckets.map((b) => b.total));
    for (const b of buckets) {
      if (!b.total) continue;
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
      bar.style.left = `${this._percent(month)}%`;
      bar.style.width = `calc(${this._percent(next) - this._percent(month)}% - 1px)`;
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
    this._empty.hidden = buckets.some((b) => b.total);
    this._rove();
    return this;
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

  // @method setDate(date: string, windowStart: string): this
  setDate(date, windowStart) {
    this._date = date;
    // Keyboard focus stays where the reader moved it; otherwise Tab enters at the date shown.
    if (!this._bars.contains(document.activeElement)) this._rove();
    const at = this._percent(date);
    this._cursor.style.left = `${at}%`;
    const from = Math.max(0, this._percent(windowStart));
    this._window.style.left = `${from}%`;
    this._window.style.width = `${Math.max(0.3, this._percent(addDays(date, 1)) - from)}%`;
    for (const bar of this._bars.children) {
      bar.classList.toggle(
        "in-window",
        bar.dataset.month <= date && addMonths(bar.dataset.month, 1) > windowStart,
      );
    }
    this._follow(at);
    return this;
  }

  // Keep the date in view without fighting a user who scrolled: only move when it is out of sight.
  // Measured in the next frame: reading widths in the middle of a redraw would force the browser
  // to lay out the whole page an extra time on every slider step.
  _follow(percent) {
    this._followTo = percent;
    if (this._followPending) return;
    this._followPending = true;
    requestAnimationFrame(() => {
      this._followPending = false;
      const box = this._container;
      const x = (this._followTo / 100) * this._track.offsetWidth;
      const margin = 40;
      if (x < box.scrollLeft + margin || x > box.scrollLeft + box.clientWidth - margin) {
        box.scrollLeft = Math.max(0, x - box.clientWidth * 0.75);
      }
    });
  }
}
