"""The documents a newcomer reads stay true to the code."""

import re

from typer.main import get_command

from app.cli import app as cli
from app.io.exchange import FILES
from app.settings import PROJECT_ROOT, Settings

FORMAT = (PROJECT_ROOT / "docs" / "format.md").read_text(encoding="utf-8")
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def documented_columns(filename: str) -> set[str]:
    section = FORMAT.split(f"## {filename}", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for cells in re.findall(r"^\| ([^|]+) \|", section, flags=re.M):
        names.update(part.strip() for part in cells.split(","))
    return names - {"column", "---"}


def test_format_doc_describes_exactly_the_columns_import_reads() -> None:
    for filename, columns in FILES.items():
        assert documented_columns(filename) == {c.name for c in columns}, filename


def test_readme_shows_the_two_commands_first() -> None:
    first_commands = re.findall(r"make (run|test)", README)[:2]
    assert first_commands == ["run", "test"]


def test_readme_names_every_cli_command() -> None:
    group = get_command(cli)
    names = set(group.commands)  # type: ignore[attr-defined]
    for name in names - {"db"}:
        assert f"orbat {name}" in README, name
    assert "orbat db upgrade" in README


def test_readme_names_every_setting() -> None:
    for name in Settings.model_fields:
        assert f"ORBAT_{name.upper()}" in README, name
