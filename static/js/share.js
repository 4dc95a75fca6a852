// "Copy link": the page's address holds the whole view (date, actors, window, zoom, open site),
// so sharing the view is copying the address. Where the clipboard is refused (a page served over
// plain HTTP from another machine), the address is shown selected for the reader to copy.

import { clear, h } from "./dom.js";

export function shareButton(button, note) {
  button.addEventListener("click", async () => {
    const link = window.location.href;
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(link);
      clear(note).append("Link copied: it opens this date, these actors and this view.");
    } catch {
      const field = h("input", {
        type: "text",
        readonly: true,
        value: link,
        "aria-label": "Link to this view",
        class: "share-link",
      });
      clear(note).append("Copy this link: ", field);
      field.select();
    }
  });
}
