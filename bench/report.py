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
    rows = data.get("rows")
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        lines += table(rows) + [""]
    rest = {k: v for k, v in data.items() if k not in {"rows", "command", "commands", "machine"}}
    if rest:
        lines += table([rest]) + [""]
    return lines


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
    head = ["Machine (as the scripts read it):", ""]
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
