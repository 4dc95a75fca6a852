// The date control: slider, date field, step buttons, play/pause. It holds no date of its own:
// it reports what the user asked for through onChange and shows whatever render() is given, so the
// URL stays the only place the current date lives.

import { clampDate, formatWhen, fromDayNumber, step, toDayNumber, isISODate } from "./format.js";

// Milliseconds between two playback steps.
const PLAY_INTERVAL_MS = 900;

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
    this._input.addEventListener("change", () => {
      if (isISODate(this._input.value)) this._change(this._input.value, true);
    });
    for (const button of root.querySelectorAll("button[data-step]")) {
      button.addEventListener("click", () => {
        const next = step(this._date, button.dataset.unit, Number(button.dataset.step));
        this._change(next, true);
      });
    }
    this._play.addEventListener("click", () => (this._timer ? this.pause() : this.play()));
  }

  _change(date, push) {
    const next = clampDate(date, this._start, this._end);
    if (next !== this._date) this._onChange(next, { push });
    else this.render(next);
  }

  // @method render(date: string): this
  render(date) {
    this._date = date;
    const offset = toDayNumber(clampDate(date, this._start, this._end)) - toDayNumber(this._start);
    this._slider.value = String(offset);
    this._slider.setAttribute("aria-valuetext", formatWhen(date));
    if (this._input.value !== date) this._input.value = date;
    this._readout.textContent = formatWhen(date);
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
