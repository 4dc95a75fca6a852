"""Write the measured half of docs/performance.md from the JSON the bench scripts leave in
bench/results/, so the document shows exactly the figures of one run, never figures typed by hand.

docs/performance.md keeps its hand-written parts (what each target means, the causes of gaps);
this script replaces only the text between the markers
`<!-- figures: begin -->` and `<!-- figures: end -->`. Run: `.venv/bin/python bench/report.py`.
"""

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- figures: begin -->", "<!-- figures: end -->"

# The order and headings of the results, by file name; any other JSON is listed after them.
SECTIONS = [
    ("browser.json", "Browser: the map in headless Chromium"),
    ("api-world.json", "API against Datasette and the SQL floor (world preset)"),
    ("api-postgres.json", "API on PostgreSQL"),
    ("import-world.json", "Import against sqlite3 .import (world preset)"),
    ("import-theatre.json", "Import against sqlite3 .import (theatre preset)"),
    ("temporal.json", "The temporal index"),
    ("load.json", "Load: 64 readers while imports run"),
    ("fault.json", "Faults: kill -9 of an import, online backup"),
]


def cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value) or "none"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return lines


def section(title: str, data: dict[str, Any]) -> list[str]:
    lines = [f"### {title}", ""]
    command = data.get("command") or data.get("commands")
    if command:
        commands = command if isinstance(command, list) else [command]
        lines += ["Command:", "", "```", *[str(c) for c in commands], "```", ""]
    skip = {"command", "commands", "machine", "imports", "error_samples"}
    for key, value in data.items():
        if key in skip or not (isinstance(value, list) and value and isinstance(value[0], dict)):
            continue
        skip.add(key)
        if key != "rows":
            lines += [f"**{key}**", ""]
        lines += table(value) + [""]
    rest = {k: v for k, v in data.items() if k not in skip}
    if rest:
        lines += table([rest]) + [""]
    return lines


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else ("met" if met else "**not met**")


def targets() -> list[str]:
    """The issue's targets, each with the figure that decides it, read from the results."""
    rows: list[tuple[str, str, bool | None]] = []
    browser = _load("browser.json")
    for row in (browser or {}).get("rows", []):
        name, step = row["data"], row.get("step_loaded_median_ms")
        limit = 16 if name == "syria" else 50
        rows.append(
            (f"map ({name}): slider step median < {limit} ms", f"{step} ms", step and step < limit)
        )
        if name != "syria":
            ready = row["ready_s"]
            rows.append(
                (
                    f"map ({name}): ready < 2 s",
                    f"{ready:.2f} s (first reader after a start: {row['ready_cold_s']:.2f} s)",
                    ready < 2,
                )
            )
            size = row["first_view_bytes"]
            rows.append((f"map ({name}): first view < 5 MB", f"{size / 1e6:.2f} MB", size < 5e6))
    api = _load("api-world.json")
    for row in (api or {}).get("rows", []):
        what = f"{row['question']} ({row['mode']})"
        rows.append(
            (
                f"API: {what}: median <= 1.5x the SQL floor",
                f"{row['orbat']['median_ms']:.1f} ms = {row['orbat_over_floor']}x "
                f"(floor {row['floor']['median_ms']:.1f} ms)",
                row["median_target_met"],
            )
        )
        rows.append(
            (
                f"API: {what}: throughput >= 2x Datasette",
                f"{row['orbat_load']['req_per_s']:.1f} req/s = "
                f"{row['orbat_over_datasette_req_per_s']}x "
                f"(Datasette {row['datasette_load']['req_per_s']:.1f} req/s)",
                row["throughput_target_met"],
            )
        )
    imported = _load("import-world.json")
    for row in (imported or {}).get("rows", []):
        if row["what"].startswith("orbat import"):
            rows.append(
                (
                    "import (world): within 10x of sqlite3 .import",
                    f"{row['seconds']:.1f} s = {row['ratio_to_floor']}x",
                    row["ratio_to_floor"] <= 10,
                )
            )
            rows.append(
                ("import (world): under 1 GB", f"{row['peak_mb']:.0f} MB", row["peak_mb"] < 1024)
            )
    load = _load("load.json")
    if load:
        summary = load["summary"]
        bad = summary["errors"] + summary["locked"] + summary["mixed"]
        rows.append(
            (
                "load: 64 readers while importing: 0 errors, 0 locked, 0 mixed; p99 reported",
                f"{summary['requests']:,} answers: {summary['errors']} errors, "
                f"{summary['locked']} locked, {summary['mixed']} mixed; p99 {summary['p99_ms']} ms",
                bad == 0,
            )
        )
    fault = _load("fault.json")
    if fault:
        runs = fault.get("runs", [])
        whole = all(r.get("integrity") == "ok" and r.get("holds") != "PARTIAL" for r in runs)
        rows.append(
            (
                "kill -9 of an import: whole database, all or none of the import",
                "; ".join(f"{r['run']}: {r['integrity']}, holds {r['holds']}" for r in runs),
                whole and bool(runs),
            )
        )
    lines = ["| target | measured | verdict |", "|---|---|---|"]
    lines += [f"| {t} | {cell(m)} | {_verdict(v)} |" for t, m, v in rows]
    return lines + [""]


def figures() -> list[str]:
    found = {path.name: path for path in sorted(RESULTS.glob("*.json"))}
    if not found:
        raise SystemExit(f"no results in {RESULTS}: run the bench scripts first")
    machines = []
    lines: list[str] = []
    order = [name for name, _ in SECTIONS if name in found]
    order += [name for name in found if name not in order]
    titles = dict(SECTIONS)
    for name in order:
        data = json.loads(found[name].read_text())
        if data.get("machine"):
            machines.append(data["machine"])
        lines += section(titles.get(name, name.removesuffix(".json")), data)
    head = ["### Targets", ""] + targets() + ["Machine (as the scripts read it):", ""]
    if machines:
        head += table([machines[0]]) + [""]
    return head + lines


def main() -> None:
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        sys.exit(f"{DOC} lacks the markers {BEGIN} and {END}")
    before, rest = text.split(BEGIN, 1)
    _, after = rest.split(END, 1)
    DOC.write_text(before + BEGIN + "\n\n" + "\n".join(figures()) + "\n" + END + after)
    print(f"wrote the figures into {DOC}")


if __name__ == "__main__":
    main()
