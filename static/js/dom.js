// Every piece of data reaches the page as a text node or an attribute value: no HTML string is
// ever built from it, so a site named "<img onerror=...>" is shown, never run.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else element.setAttribute(key, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

// @function boxIn(element, frame): {left, right, top, bottom}
// Where an element is drawn, in pixels from the top-left corner of another (a map's container).
export function boxIn(element, frame) {
  const box = element.getBoundingClientRect();
  const origin = frame.getBoundingClientRect();
  return {
    left: box.left - origin.left,
    right: box.right - origin.left,
    top: box.top - origin.top,
    bottom: box.bottom - origin.top,
  };
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

// Only web links become hrefs; anything else (javascript:, data:) stays plain text.
export function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
}

const HEX_COLOR = /^#[0-9a-f]{6}$/i;
export function safeColor(color, fallback = "#777777") {
  return HEX_COLOR.test(color || "") ? color : fallback;
}

export function swatch(color, labelText) {
  const element = h("span", { class: "swatch", "aria-hidden": labelText ? null : "true" });
  element.style.backgroundColor = safeColor(color);
  if (labelText) element.title = labelText;
  return element;
}

// @function moreItem(id: string, hidden: number, page: number, onMore: () => void): HTMLElement[]
// The last entry of a list shown a page at a time: a button for the next page, or nothing when
// every entry is listed.
export function moreItem(id, hidden, page, onMore) {
  if (hidden <= 0) return [];
  return [
    h(
      "li",
      { class: "list-more" },
      h(
        "button",
        { type: "button", id, onclick: onMore },
        `Show ${Math.min(page, hidden)} more of ${hidden} not listed`,
      ),
    ),
  ];
}
