// The date control: slider, date field, step buttons, play/pause. It holds no date of its own:
// it reports what the user asked for through onChange and shows whatever render() is given, so the
// URL stays the only place the current date lives.

import { clampDate, formatWhen, fromDayNumber, step, toDayNumber, isISODate } from "./format.js";

// Milliseconds between two playback steps.
const PLAY_INTERVAL_MS = 900;
// A date being typed is applied this long after the last keystroke (or at once on Enter or blur).
const TYPING_DEBOUNCE_MS = 500;
// A change event this soon after a key press in the field comes from typing, not from the picker.
const KEY_CHANGE_MS = 1000;

export class TimeControl {
  // onChange(date: string, options: {push: boolean})
  constructor(root, { spanStart, spanEnd, onChange }) {
    this._root = root;
    this._start = spanStart;
    this._end = spanEnd;
    this._onChange = onChange;
    this._date = spanEnd;
    this._timer = null;
    this._sliding = false;

    this._slider = root.querySelector("#date-slider");
    this._input = root.querySelector("#date-input");
    this._readout = root.querySelector("#date-readout");
    this._play = root.querySelector("#play");
    this._note = root.querySelector("#date-note");
    // Typed but not applied yet: render() then leaves the field alone, so it never overwrites
    // what is being typed (Chromium reports "0002-06-15" after the first digit of a year).
    this._typed = false;
    this._typingTimer = null;
    // One typing session (first keystroke to Enter, blur or a pick) adds one history entry: its
    // first applied date pushes, later ones replace it.
    this._typingPushed = false;
    this._lastKey = 0;
    this._speed = root.querySelector("#speed");

    this._slider.min = "0";
    this._slider.max = String(toDayNumber(spanEnd) - toDayNumber(spanStart));
    this._input.min = spanStart;
    this._input.max = spanEnd;

    // One history entry per drag, not one per pixel: the first input pushes, the rest replace.
    this._slider.addEventListener("input", () => {
      const date = fromDayNumber(toDayNumber(this._start) + Number(this._slider.value));
      this._change(date, !this._sliding);
      this._sliding = true;
    });
    this._slider.addEventListener("change", () => {
      this._sliding = false;
    });
    this._slider.addEventListener("keydown", (event) => this._sliderKey(event));
    this._input.addEventListener("keydown", (event) => {
      this._lastKey = performance.now();
      if (event.key === "Enter") {
        event.preventDefault();
        this._typed = true;
        this._commitTyped({ final: true });
      }
    });
    // Chromium fires input and change on every keystroke that leaves a valid date: while the user
    // types, wait for a pause; a change with no key just before it (the picker, a paste) applies now.
    const edited = (event) => {
      this._typed = true;
      const typing = performance.now() - this._lastKey < KEY_CHANGE_MS;
      if (event.type === "change" && !typing) {
        this._commitTyped({ final: true });
        return;
      }
      window.clearTimeout(this._typingTimer);
      this._typingTimer = window.setTimeout(
        () => this._commitTyped({ final: false }),
        TYPING_DEBOUNCE_MS,
      );
    };
    this._input.addEventListener("input", edited);
    this._input.addEventListener("change", edited);
    this._input.addEventListener("blur", () => this._commitTyped({ final: true }));
    for (const button of root.querySelectorAll("button[data-step]")) {
      button.addEventListener("click", () => {
        const next = step(this._date, button.dataset.unit, Number(button.dataset.step));
        this._change(next, true);
      });
    }
    this._play.addEventListener("click", () => (this._timer ? this.pause() : this.play()));
  }

  // PageUp/PageDown a month, Shift+Arrow a week, Home/End the span's ends; a plain arrow keeps
  // the native one-day step.
  _sliderKey(event) {
    const forward = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 }[event.key];
    let next = null;
    if (event.key === "PageUp") next = step(this._date, "month", 1);
    else if (event.key === "PageDown") next = step(this._date, "month", -1);
    else if (event.key === "Home") next = this._start;
    else if (event.key === "End") next = this._end;
    else if (event.shiftKey && forward) next = step(this._date, "week", forward);
    if (next === null) return;
    event.preventDefault();
    this._change(next, true);
  }

  // Apply what was typed into the date field. A pause (final: false) applies only a complete date
  // with a four-digit year; Enter or leaving the field applies any valid date, or puts the shown
  // date back. A date outside the data is clamped, and a note next to the field says so.
  _commitTyped({ final }) {
    window.clearTimeout(this._typingTimer);
    this._typingTimer = null;
    const push = !this._typingPushed;
    if (final) this._typingPushed = false;
    if (!this._typed) return;
    const value = this._input.value;
    const complete = isISODate(value) && Number(value.slice(0, 4)) >= 1000;
    if (!final && !complete) return;
    this._typed = false;
    if (!isISODate(value)) {
      this.render(this._date);
      return;
    }
    const next = clampDate(value, this._start, this._end);
    if (this._change(next, push) && !final) this._typingPushed = true;
    if (next !== value) {
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

  // @method cancelTyping(): this
  // Drop a typed date not applied yet, and end the typing session (Back or Forward was pressed:
  // the history entry wins, and the field shows its date at the next render).
  cancelTyping() {
    window.clearTimeout(this._typingTimer);
    this._typingTimer = null;
    this._typed = false;
    this._typingPushed = false;
    this._note.hidden = true;
    return this;
  }

  // @method render(date: string): this
  render(date) {
    this._date = date;
    const offset = toDayNumber(clampDate(date, this._start, this._end)) - toDayNumber(this._start);
    this._slider.value = String(offset);
    this._slider.setAttribute("aria-valuetext", formatWhen(date));
    if (!this._typed && this._input.value !== date) this._input.value = date;
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
  // Playback pushes one history entry when it starts and replaces it as it runs.
  play() {
    if (this._timer) return this;
    let first = true;
    if (this._date >= this._end) {
      this._onChange(this._start, { push: true });
      first = false;
    }
    this._setPlaying(true);
    const tick = () => {
      if (this._date >= this._end) {
        this.pause();
        return;
      }
      this._change(step(this._date, this._speed.value, 1), first);
      first = false;
    };
    this._timer = window.setInterval(tick, PLAY_INTERVAL_MS);
    tick();
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
