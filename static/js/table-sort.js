// Sortable tables: a header becomes a button; rows sort by the cell's data-sort value (ISO dates,
// numbers, grades) or else its text. The table reads the same without JavaScript.

function key(row, index) {
  const cell = row.cells[index];
  if (!cell) return "";
  return cell.dataset.sort ?? cell.textContent.trim().toLowerCase();
}

function compare(a, b) {
  const x = Number(a);
  const y = Number(b);
  if (a !== "" && b !== "" && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortBy(table, header, index) {
  const ascending = header.getAttribute("aria-sort") !== "ascending";
  for (const th of table.tHead.rows[0].cells) th.removeAttribute("aria-sort");
  header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const body = table.tBodies[0];
  const rows = [...body.rows];
  // Stable sort, so sorting by actor after site keeps sites in order within an actor.
  rows.sort((r1, r2) => compare(key(r1, index), key(r2, index)) * (ascending ? 1 : -1));
  body.append(...rows);
}

export function makeSortable(table) {
  const headers = table.tHead?.rows[0]?.cells || [];
  [...headers].forEach((header, index) => {
    if (header.dataset.nosort !== undefined) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.append(...header.childNodes);
    header.append(button);
    button.addEventListener("click", () => sortBy(table, header, index));
  });
}

for (const table of document.querySelectorAll("table[data-sortable]")) makeSortable(table);
