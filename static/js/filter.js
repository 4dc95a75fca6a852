// The actor filter: a checkbox per actor with its colour, plus All, None and Only.
// It reports the new selection (null = every actor) and shows whatever render() is given.

import { clear, h, swatch } from "./dom.js";

export class ActorFilter {
  // onChange(actors: string[] | null)
  constructor(section, actors, { onChange }) {
    this._actors = actors;
    this._onChange = onChange;
    this._boxes = new Map();
    const list = clear(section.querySelector("#actor-list"));
    for (const actor of actors) {
      const box = h("input", { type: "checkbox", value: actor.slug, id: `actor-${actor.slug}` });
      box.addEventListener("change", () => this._toggle());
      this._boxes.set(actor.slug, box);
      list.append(
        h(
          "li",
          { class: "actor-row" },
          h("label", { for: box.id }, box, swatch(actor.color), h("span", {}, actor.name)),
          h(
            "button",
            {
              type: "button",
              class: "only",
              "aria-label": `Only ${actor.name}`,
              onclick: () => this._onChange([actor.slug]),
            },
            "only",
          ),
        ),
      );
    }
    section.querySelector("#actors-all").addEventListener("click", () => this._onChange(null));
    section.querySelector("#actors-none").addEventListener("click", () => this._onChange([]));
  }

  _toggle() {
    const ticked = [...this._boxes.values()].filter((box) => box.checked).map((box) => box.value);
    this._onChange(ticked.length === this._boxes.size ? null : ticked);
  }

  // @method render(chosen: Set<string> | null): this
  render(chosen) {
    for (const [slug, box] of this._boxes) box.checked = !chosen || chosen.has(slug);
    return this;
  }
}
