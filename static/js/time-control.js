// The date control: typed date with an echo, slider, step buttons, play/pause, and the buttons
// that narrow or widen the timeline's visible range. It holds no date of its own: it reports what
// the user asked for through onChange / onRange and shows whatever render() is given, so the URL
// stays the only place the current date and the visible range live.

import {
  addDays,
  clampDate,
  formatLong,
  formatWhen,
  fromDayNumber,
  parseTypedDate,
  step,
  toDayNumber,
} from "./format.js";

// Milliseconds between two playback steps.
const PLAY_INTERVAL_MS = 900;
// The narrowest range "Zoom timeline in" goes to, in days: a month still shows its weeks.
const MIN_RANGE_DAYS = 31;

// @function visibleRange(view: {from, to}, date, span: {start, end, denseFrom}): {from, to}
// The range the slider and the histogram show. The URL's `from`/`to` when given (clamped to the
// data), else the default: from `denseFrom` (where the data is dense, see queries.dataset_scope)
// to the data's last day. A date inside the data but outside the range widens it, so the slider
// never hides the date shown.
export function visibleRange(view, date, span) {
  let from = clampDate(view.from || span.denseFrom, span.start, span.end);
  let to = clampDate(view.to || span.end, span.start, span.end);
  if (from >= to) {
    from = clampDate(span.denseFrom, span.start, span.end);
    to = span.end;
  }
  const shown = clampDate(date, span.start, span.end);
  if (shown < from) from = shown;
  if (shown > to) to = shown;
  return { from, to };
}

const days = (from, to) => toDayNumber(to) - toDayNumber(from);

export class TimeControl {
  // onChange(date: string, options: {push: boolean})
  // onRange(range: {from, to, date}) — a new visible range, and the date clamped into it.
  constructor(root, { spanStart, spanEnd, onChange, onRange }) {
    this._root = root;
    this._start = spanStart;
    this._end = spanEnd;
    this._onChange = onChange;
    this._onRange = onRange;
    this._date = spanEnd;
    this._from = spanStart;
    this._to = spanEnd;
    this._timer = null;
    this._sliding = false;

    this._slider = root.querySelector("#date-slider");
    this._input = root.querySelector("#date-input");
    this._echo = root.querySelector("#date-echo");
    this._readout = root.querySelector("#date-readout");
    this._rangeStart = root.querySelector("#range-start");
    this._rangeEnd = root.querySelector("#range-end");
    this._play = root.querySelector("#play");
    this._note = root.querySelector("#date-note");
    this._speed = root.querySelector("#speed");
    // Something typed and not applied yet: render() then leaves the field alone while it has focus.
    this._typed = false;

    // One history entry per drag, not one per pixel: the first input pushes, the rest replace.
    this._slider.addEventListener("input", () => {
      const date = fromDayNumber(toDayNumber(this._from) + Number(this._slider.value));
      this._change(date, !this._sliding);
      this._sliding = true;
    });
    this._slider.addEventListener("change", () => {
      this._sliding = false;
    });
    this._slider.addEventListener("keydown", (event) => this._sliderKey(event));

    // Typing only echoes what was understood; Enter or Go moves the map.
    this._input.addEventListener("input", () => {
      this._typed = true;
      this._showEcho(parseTypedDate(this._input.value));
    });
    this._input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this._commitTyped();
      } else if (event.key === "Escape" && this._typed) {
        event.preventDefault();
        this.cancelTyping().render(this._date);
      }
    });
    root.querySelector("#date-go").addEventListener("click", () => this._commitTyped());

    for (const button of root.querySelectorAll("button[data-step]")) {
      button.addEventListener("click", () => {
        const next = step(this._date, button.dataset.unit, Number(button.dataset.step));
        this._change(next, true);
      });
    }
    this._play.addEventListener("click", () => (this._timer ? this.pause() : this.play()));
    root.querySelector("#zoom-in").addEventListener("click", () => this._zoom(0.5));
    root.querySelector("#zoom-out").addEventListener("click", () => this._zoom(2));
    root
      .querySelector("#whole-span")
      .addEventListener("click", () => this.setRangeFromUser(this._start, this._end));
  }

  // PageUp/PageDown a month, Shift+Arrow a week, Home/End the visible range's ends; a plain
  // arrow keeps the native one-day step.
  _sliderKey(event) {
    const forward = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[event.key];
    let next = null;
    if (event.key === "PageUp") next = step(this._date, "month", 1);
    else if (event.key === "PageDown") next = step(this._date, "month", -1);
    else if (event.key === "Home") next = this._from;
    else if (event.key === "End") next = this._to;
    else if (event.shiftKey && forward) next = step(this._date, "week", forward);
    if (next === null) return;
    event.preventDefault();
    this._change(next, true);
  }

  _showEcho(parsed) {
    this._echo.classList.toggle("date-echo-error", Boolean(parsed?.error));
    if (!parsed) this._echo.textContent = "";
    else if (parsed.error) this._echo.textContent = parsed.error;
    else this._echo.textContent = `${formatLong(parsed.date)} — Enter or Go to show it`;
  }

  // Apply what was typed: a date read in one of the documented forms moves the map (clamped into
  // the data, with a note saying so); anything else stays in the field with the reason shown.
  _commitTyped() {
    const parsed = parseTypedDate(this._input.value);
    if (!parsed) {
      this.cancelTyping().render(this._date);
      return;
    }
    if (parsed.error) {
      this._showEcho(parsed);
      this._input.focus();
      return;
    }
    this._typed = false;
    this._showEcho(null);
    const next = clampDate(parsed.date, this._start, this._end);
    this._change(next, true);
    if (next !== parsed.date) {
      this._note.textContent =
        `Data runs from ${formatWhen(this._start)} to ${formatWhen(this._end)}; ` +
        `showing ${formatWhen(next)}`;
      this._note.hidden = false;
    }
  }

  // Report a new date; true when it differed from the shown one (and so was reported).
  _change(date, push) {
    this._note.hidden = true;
    const next = clampDate(date, this._start, this._end);
    if (next !== this._date) {
      this._onChange(next, { push });
      return true;
    }
    this.render(next);
    return false;
  }

  // Half or twice the visible range, kept inside the data: zooming in centres on the date shown,
  // zooming out on the middle of the range.
  _zoom(factor) {
    const length = Math.max(MIN_RANGE_DAYS, Math.round(days(this._from, this._to) * factor));
    const centre =
      factor < 1
        ? toDayNumber(this._date > this._end ? this._end : this._date)
        : Math.round((toDayNumber(this._from) + toDayNumber(this._to)) / 2);
    let first = centre - Math.round(length / 2);
    let last = first + length;
    const min = toDayNumber(this._start);
    const max = toDayNumber(this._end);
    if (first < min) [first, last] = [min, Math.min(max, min + length)];
    if (last > max) [first, last] = [Math.max(min, max - length), max];
    this.setRangeFromUser(fromDayNumber(first), fromDayNumber(last));
  }

  // @method setRangeFromUser(from: string, to: string): this
  // A range chosen by the user (zoom buttons, whole span, a brush on the histogram); the date is
  // brought inside it, or the range would widen again to hold the date.
  setRangeFromUser(from, to) {
    this.pause();
    const first = clampDate(from, this._start, this._end);
    let last = clampDate(to, this._start, this._end);
    if (days(first, last) < 1) last = clampDate(addDays(first, 1), this._start, this._end);
    this._onRange({ from: first, to: last, date: clampDate(this._date, first, last) });
    return this;
  }

  // @method cancelTyping(): this
  // Drop a typed date not applied yet (Back or Forward was pressed, or Escape): the shown
  // date wins.
  cancelTyping() {
    this._typed = false;
    this._showEcho(null);
    this._note.hidden = true;
    return this;
  }

  // @method setRange(from: string, to: string): this
  // The visible range, shared with the histogram: the slider spans exactly it.
  setRange(from, to) {
    this._from = from;
    this._to = to;
    this._slider.min = "0";
    this._slider.max = String(days(from, to));
    this._rangeStart.textContent = formatWhen(from);
    this._rangeEnd.textContent = formatWhen(to);
    this._root.querySelector("#zoom-out").disabled = from <= this._start && to >= this._end;
    this._root.querySelector("#whole-span").disabled = from <= this._start && to >= this._end;
    this._root.querySelector("#zoom-in").disabled = days(from, to) <= MIN_RANGE_DAYS;
    return this;
  }

  // @method render(date: string): this
  render(date) {
    this._date = date;
    const offset = days(this._from, clampDate(date, this._from, this._to));
    this._slider.value = String(offset);
    this._slider.setAttribute("aria-valuetext", formatWhen(date));
    const typing = this._typed && document.activeElement === this._input;
    if (!typing) {
      this._typed = false;
      this._showEcho(null);
      if (this._input.value !== date) this._input.value = date;
    }
    this._readout.textContent = formatWhen(date);
    // A link may name a day the data does not reach; what is drawn then is the last (or no) state
    // recorded, and the page must not pass it off as known for that day.
    if (date > this._end || date < this._start) {
      this._note.textContent =
        date > this._end
          ? `The data ends on ${formatWhen(this._end)}: nothing later is recorded, so this is ` +
            `the last reported state, not what is known on ${formatWhen(date)}.`
          : `The data starts on ${formatWhen(this._start)}: nothing earlier is recorded.`;
      this._note.hidden = false;
    }
    for (const button of this._root.querySelectorAll("button[data-step]")) {
      const forward = Number(button.dataset.step) > 0;
      button.disabled = forward ? date >= this._end : date <= this._start;
    }
    return this;
  }

  // @method play(): this
  // Play runs from the date shown to the end of the visible range; at (or past) that end it
  // starts again from the range's start. It pushes one history entry when it starts and
  // replaces it as it runs.
  play() {
    if (this._timer) return this;
    let first = true;
    // The range's start is the first frame, shown for a whole interval like every other frame.
    const restart = this._date >= this._to;
    if (restart) {
      this._date = this._from;
      this._onChange(this._from, { push: true });
      first = false;
    }
    this._setPlaying(true);
    const tick = () => {
      if (this._date >= this._to) {
        this.pause();
        return;
      }
      const next = step(this._date, this._speed.value, 1);
      this._change(next > this._to ? this._to : next, first);
      first = false;
    };
    this._timer = window.setInterval(tick, PLAY_INTERVAL_MS);
    if (!restart) tick();
    return this;
  }

  // @method pause(): this
  pause() {
    if (this._timer) window.clearInterval(this._timer);
    this._timer = null;
    this._setPlaying(false);
    return this;
  }

  _setPlaying(playing) {
    this._play.setAttribute("aria-pressed", String(playing));
    this._play.textContent = playing ? "❚❚ Pause" : "▶ Play";
  }
}
