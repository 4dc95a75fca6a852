// Dates as people read them, at the precision they are known, and day arithmetic in UTC.
// Dates stay ISO strings (YYYY-MM-DD) everywhere else: they compare correctly as strings, so the
// half-open rule start <= D < end needs no Date objects at all.

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_MS = 86400000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const RELIABILITY = {
  A: "completely reliable",
  B: "usually reliable",
  C: "fairly reliable",
  D: "not usually reliable",
  E: "unreliable",
  F: "reliability cannot be judged",
};

export const CREDIBILITY = {
  1: "confirmed by other sources",
  2: "probably true",
  3: "possibly true",
  4: "doubtful",
  5: "improbable",
  6: "truth cannot be judged",
};

export const STATUS_TEXT = {
  active: "active",
  drawdown: "drawing down",
  contested: "contested",
  withdrawn: "withdrawn",
};

export function isISODate(value) {
  if (typeof value !== "string") return false;
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  // Reject 2026-02-31 and the like, which Date would roll over silently.
  return fromDayNumber(toDayNumber(value)) === value;
}

export function toDayNumber(iso) {
  const [, y, m, d] = ISO_DATE.exec(iso);
  return Math.round(Date.UTC(Number(y), Number(m) - 1, Number(d)) / DAY_MS);
}

export function fromDayNumber(n) {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(iso, days) {
  return fromDayNumber(toDayNumber(iso) + days);
}

// Month steps keep the day where it exists and clamp it where it does not (31 Jan + 1 mo = 28 Feb).
export function addMonths(iso, months) {
  const [, y, m, d] = ISO_DATE.exec(iso).map(Number);
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const date = new Date(Date.UTC(year, month, Math.min(d, last)));
  date.setUTCFullYear(year);
  return date.toISOString().slice(0, 10);
}

export function step(iso, unit, count) {
  if (unit === "day") return addDays(iso, count);
  if (unit === "week") return addDays(iso, 7 * count);
  if (unit === "month") return addMonths(iso, count);
  if (unit === "year") return addMonths(iso, 12 * count);
  throw new Error(`unknown step unit ${unit}`);
}

export function clampDate(iso, first, last) {
  if (iso < first) return first;
  if (iso > last) return last;
  return iso;
}

// "23 Jan 2026", "week of 19 Jan 2026", "Jan 2026", "2019".
export function formatWhen(iso, precision = "day") {
  if (!iso || !ISO_DATE.test(iso)) return "";
  const [, y, m, d] = ISO_DATE.exec(iso);
  const year = String(Number(y));
  if (precision === "year") return year;
  const month = MONTHS[Number(m) - 1];
  if (precision === "month") return `${month} ${year}`;
  const day = `${Number(d)} ${month} ${year}`;
  return precision === "week" ? `week of ${day}` : day;
}

// "the week of 9 Oct 2019" reads better after "from" and "until" than "week of ...".
function whenAfterPreposition(iso, precision) {
  const text = formatWhen(iso, precision);
  return precision === "week" ? `the ${text}` : text;
}

// A deployment's interval in words. A day end is the first day absent, so the last day present is
// the day before it ("until 27 Jan 2026 inclusive" for an end of 28 Jan). A coarse end stands for
// its whole week, month or year, so it is named as that period.
export function formatSpan(start, startPrecision, end, endPrecision) {
  const from = whenAfterPreposition(start, startPrecision);
  if (!end) return `since ${from}, no end reported`;
  if (!endPrecision || endPrecision === "day") {
    return `from ${from} until ${formatWhen(addDays(end, -1))} inclusive`;
  }
  const until = whenAfterPreposition(end, endPrecision);
  return `from ${from} until ${until} (end known only to the ${endPrecision})`;
}

// ---- the precision rule: what a coarse date means for "present on D"
//
// A date known only to its week, month or year is stored as the first day of that period. The
// presence it bounds is drawn over the whole period, marked "dates uncertain" there:
//   present on D    iff start <= D < present_until   (no end: present for ever)
//   uncertain on D  iff D < start_certain_from, or there is an end and D >= end
// where present_until = periodEnd(end, end_precision) for a coarse end (= end for a day end) and
// start_certain_from = periodEnd(start, start_precision) for a coarse start (= start for a day).
// The server applies it (app/dates.py) and sends the bounds as day numbers in each year of the
// map's index (app/map_index.py), which year-index.js compares; periodEnd is kept for the window.

// @function periodEnd(iso: string, precision: string): string
// The day after the period that `iso` stands for at this precision (an exclusive bound).
export function periodEnd(iso, precision) {
  if (precision === "week") return addDays(iso, 7);
  if (precision === "month") return addMonths(`${iso.slice(0, 7)}-01`, 1);
  if (precision === "year") return addMonths(`${iso.slice(0, 4)}-01-01`, 12);
  return addDays(iso, 1);
}

// @function windowStart(date: string, months: number): string
// First day of the window of `months` months that ends on `date` (inclusive). On the last day of a
// month the window is whole calendar months, as a histogram bar is (28 Feb 2026 -> 1 Feb 2026);
// on any other day it starts the day after the same day `months` earlier (10 Feb -> 11 Jan).
export function windowStart(date, months) {
  const next = addDays(date, 1);
  if (next.endsWith("-01")) return addMonths(next, -months);
  return addDays(addMonths(date, -months), 1);
}

export function formatGrade(reliability, credibility) {
  return `${reliability || "?"}${credibility ?? ""}`;
}

export function describeGrade(reliability, credibility) {
  const parts = [`source ${RELIABILITY[reliability] || "ungraded"}`];
  if (credibility != null) parts.push(`claim ${CREDIBILITY[credibility] || "ungraded"}`);
  return parts.join("; ");
}

export function label(value) {
  return String(value ?? "").replaceAll("_", " ");
}

// ---- typed dates: read in a fixed, documented order, never guessed (issue 9)
//
// The date field accepts, in this order:
//   1. ISO day            2025-06-01
//   2. day month year     1 Jun 2025, 1 June 2025
//   3. month day, year    Jun 1 2025, June 1, 2025
//   4. ISO month          2025-06          -> 1 June 2025
//   5. month year         Jun 2025         -> 1 June 2025
//   6. year               2025             -> 1 January 2025
// Anything else is refused, above all all-number forms such as 06/01/2025 or 06012025: they read
// as 6 January or as 1 June depending on the reader, so no answer would be safe.

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export const TYPED_DATE_FORMS = "2025-06-01, 1 Jun 2025, Jun 2025 or 2025";

// "jun", "june", "sept" -> 1..12; null for anything else.
function monthNumber(word) {
  const text = word.toLowerCase().replace(/\.$/, "");
  if (text === "sept") return 9;
  const at = MONTH_NAMES.findIndex(
    (name) => name.toLowerCase() === text || name.slice(0, 3).toLowerCase() === text,
  );
  return at < 0 ? null : at + 1;
}

function isoOf(year, month, day) {
  const pad = (n, width) => String(n).padStart(width, "0");
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

// @function parseTypedDate(text: string): {date: string} | {error: string} | null
// null for an empty field; {date} for a date read in one of the forms above; {error} otherwise.
export function parseTypedDate(text) {
  const value = String(text ?? "")
    .trim()
    .replace(/\s+/g, " ")
    .replace(/,/g, "");
  if (!value) return null;
  const refuse = () => ({
    error:
      `Not read: type ${TYPED_DATE_FORMS}. ` +
      "Dates in numbers only (06/01/2025) are not guessed.",
  });
  let year;
  let month;
  let day = 1;
  let match;
  if ((match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value))) {
    [year, month, day] = match.slice(1).map(Number);
  } else if ((match = /^(\d{1,2}) ([A-Za-z]+\.?) (\d{4})$/.exec(value))) {
    day = Number(match[1]);
    month = monthNumber(match[2]);
    year = Number(match[3]);
  } else if ((match = /^([A-Za-z]+\.?) (\d{1,2}) (\d{4})$/.exec(value))) {
    month = monthNumber(match[1]);
    day = Number(match[2]);
    year = Number(match[3]);
  } else if ((match = /^(\d{4})-(\d{1,2})$/.exec(value))) {
    year = Number(match[1]);
    month = Number(match[2]);
  } else if ((match = /^([A-Za-z]+\.?) (\d{4})$/.exec(value))) {
    month = monthNumber(match[1]);
    year = Number(match[2]);
  } else if ((match = /^(\d{4})$/.exec(value))) {
    year = Number(match[1]);
    month = 1;
  } else {
    return refuse();
  }
  if (!month || month > 12 || year < 1) return refuse();
  const iso = isoOf(year, month, day);
  if (!isISODate(iso)) {
    return { error: `There is no day ${day} in ${MONTH_NAMES[month - 1]} ${year}.` };
  }
  return { date: iso };
}

// @function formatLong(iso: string): string
// "1 June 2025": the echo of a typed date, month in full so it cannot be misread.
export function formatLong(iso) {
  if (!isISODate(iso)) return "";
  const [y, m, d] = iso.split("-").map(Number);
  return `${d} ${MONTH_NAMES[m - 1]} ${y}`;
}

// @function shownDay(date: string, spanEnd: string): string
// The day a list of what is present is headed with. Past the data's end the list is the last
// state recorded, and the heading says so rather than naming the asked-for day as if known.
export function shownDay(date, spanEnd) {
  if (spanEnd && date > spanEnd) return `${formatWhen(spanEnd)}, the last day recorded`;
  return formatWhen(date);
}
