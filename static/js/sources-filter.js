// The filter box on /sources: type to keep only the sources whose publisher, title or backed
// records mention every word typed. Without JavaScript the box stays hidden and the list is whole.

const box = document.getElementById("source-filter-box");
const input = document.getElementById("source-filter");
const count = document.getElementById("source-filter-count");
const entries = [...document.querySelectorAll("li[data-source]")];
const texts = entries.map((entry) => entry.textContent.toLowerCase().replace(/\s+/g, " "));

function apply() {
  const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  entries.forEach((entry, index) => {
    const match = words.every((word) => texts[index].includes(word));
    entry.hidden = !match;
    if (match) shown += 1;
  });
  count.textContent = words.length ? `${shown} of ${entries.length} sources match.` : "";
}

if (box && input) {
  box.hidden = false;
  input.addEventListener("input", apply);
  apply();
}
