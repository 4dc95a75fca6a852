from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration, read from ORBAT_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="ORBAT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///orbat.db"
    # The dataset `make run` loads into an empty database.
    seed_path: Path = PROJECT_ROOT / "data" / "syria"
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    tile_attribution: str = "&copy; OpenStreetMap contributors"
    # Off for air-gapped use and for tests: the bundled basemap alone is drawn.
    remote_tiles: bool = True
    site_name: str = "Orbat Map"


@lru_cache
def get_settings() -> Settings:
    return Settings()
