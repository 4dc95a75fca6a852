// The search box in every page's header, made a combobox (the WAI-ARIA 1.2 pattern with a
// listbox popup): typing asks /api/v1/search for suggestions, ArrowDown and ArrowUp move through
// them, Enter opens the one chosen (or, with none chosen, the /search results page the form
// submits to), Escape closes the list and then clears the box. Suggestions are built from text
// nodes only. Without JavaScript the form simply submits to /search.

import { clear, h } from "./dom.js";

const SUGGESTIONS = 8;
const MIN_CHARACTERS = 2;
// Wait this long after the last key before asking, so fast typing sends one request.
const TYPING_PAUSE_MS = 120;
const KIND_TEXT = { site: "site", force: "force", actor: "actor", event: "event" };

const input = document.getElementById("site-search-q");
const list = document.getElementById("site-search-list");
const status = document.getElementById("site-search-status");

let hits = [];
let active = -1;
let timer = null;
let pending = null;

function options() {
  return [...list.querySelectorAll('[role="option"]')];
}

function setActive(index) {
  const all = options();
  active = all.length ? (index + all.length) % all.length : -1;
  all.forEach((option, i) => option.setAttribute("aria-selected", String(i === active)));
  if (active >= 0) {
    input.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  } else {
    input.removeAttribute("aria-activedescendant");
  }
}

function close() {
  list.hidden = true;
  input.setAttribute("aria-expanded", "false");
  setActive(-1);
}

function open() {
  if (!hits.length) return;
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
}

function go(hit) {
  close();
  window.location.assign(hit.url);
}

function render(query, found) {
  hits = found;
  clear(list);
  found.forEach((hit, i) => {
    const option = h(
      "li",
      { id: `site-search-option-${i}`, role: "option", "aria-selected": "false", class: "site-search-option" },
      h("span", { class: "site-search-name" }, hit.name),
      " ",
      h("span", { class: "site-search-kind" }, KIND_TEXT[hit.kind] || hit.kind),
      hit.matched_alias ? h("span", { class: "site-search-alias" }, `also spelt ${hit.matched_alias}`) : null,
    );
    option.dataset.kind = hit.kind;
    option.dataset.slug = hit.slug;
    // mousedown, not click: a click would first blur the box, which closes the list.
    option.addEventListener("mousedown", (event) => {
      event.preventDefault();
      go(hit);
    });
    list.append(option);
  });
  active = -1;
  input.removeAttribute("aria-activedescendant");
  if (found.length) {
    status.textContent = `${found.length} suggestion${found.length === 1 ? "" : "s"} for ${query}.`;
    open();
  } else {
    status.textContent = `Nothing matches ${query}.`;
    close();
  }
}

async function suggest() {
  const query = input.value.trim();
  if (pending) pending.abort();
  // Only letters and digits are searched for; anything else alone has nothing to suggest. One
  // letter matches a good part of a large dataset and suggests nothing useful: wait for two.
  if ([...query].length < MIN_CHARACTERS || !/[\p{L}\p{N}]/u.test(query)) {
    hits = [];
    clear(list);
    close();
    return;
  }
  pending = new AbortController();
  const url = `/api/v1/search?${new URLSearchParams({ q: query, limit: String(SUGGESTIONS) })}`;
  try {
    const response = await fetch(url, { signal: pending.signal });
    if (!response.ok) {
      render(query, []);
      return;
    }
    const found = await response.json();
    // A slower, older answer must not replace what the box now holds.
    if (input.value.trim() === query) render(query, found);
  } catch (error) {
    if (error.name !== "AbortError") render(query, []);
  }
}

function onKey(event) {
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    if (list.hidden) {
      open();
      if (list.hidden) return;
    }
    if (event.key === "ArrowDown") setActive(active + 1);
    else setActive(active < 0 ? -1 : active - 1);
  } else if (event.key === "Enter") {
    if (!list.hidden && active >= 0 && hits[active]) {
      event.preventDefault();
      go(hits[active]);
    }
    // Otherwise the form submits to the /search page.
  } else if (event.key === "Escape") {
    if (!list.hidden) {
      event.preventDefault();
      close();
    } else if (input.value) {
      event.preventDefault();
      input.value = "";
      hits = [];
      clear(list);
    }
  }
}

if (input && list && status) {
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-describedby", "site-search-hint");
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, TYPING_PAUSE_MS);
  });
  input.addEventListener("keydown", onKey);
  input.addEventListener("blur", close);
  input.addEventListener("focus", open);
}
