"""docs/deploy.md names only settings and commands that exist."""

import re

from typer.main import get_command

from app.cli import app as cli
from app.settings import PROJECT_ROOT, Settings

DEPLOY = (PROJECT_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")


def test_every_setting_the_deploy_guide_names_exists() -> None:
    named = set(re.findall(r"ORBAT_([A-Z_]+)", DEPLOY))
    assert named, "the guide names its settings"
    assert {n.lower() for n in named} <= set(Settings.model_fields)


def test_every_orbat_command_the_deploy_guide_runs_exists() -> None:
    group = get_command(cli)
    commands = set(group.commands)  # type: ignore[attr-defined]
    used = re.findall(r"(?:bin/|`)orbat ([\w-]+)(?: (\w+))?", DEPLOY)
    assert used
    for name, sub in used:
        assert name in commands, name
        if name == "db":
            assert sub == "upgrade"


def test_the_deploy_guide_documents_the_pool_settings() -> None:
    assert "ORBAT_DB_POOL_SIZE" in DEPLOY and "ORBAT_DB_MAX_OVERFLOW" in DEPLOY
