from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Configuration, read from ORBAT_* environment variables."""

    model_config = SettingsConfigDict(env_prefix="ORBAT_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///orbat.db"
    # PostgreSQL only: connections each app process keeps open, and how many more it may open
    # for a burst. Every process of a deployment has its own pool, so the server must allow
    # processes x (pool size + overflow) connections (docs/deploy.md).
    db_pool_size: int = Field(default=5, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    # The dataset `make run` loads into an empty database.
    seed_path: Path = PROJECT_ROOT / "data" / "syria"
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    # The tile provider's credit (HTML), shown beside Natural Earth's once a tile has loaded.
    tile_attribution: str = "&copy; OpenStreetMap contributors"
    # Off for air-gapped use and for tests: the bundled basemap alone is drawn.
    remote_tiles: bool = True
    site_name: str = "Orbat Map"
    # Only for a server reached over plain http from other machines: the session cookie then
    # drops `Secure` and with it the `__Host-` prefix, which browsers only accept on secure
    # cookies. Loopback (make run on 127.0.0.1) counts as secure to browsers and needs no change.
    plain_http: bool = False
    # A second person reviews every change; a small team may let editors publish their own.
    allow_self_publish: bool = False
    # Request bodies larger than these are refused with 413 before they are read.
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 20 * 1024 * 1024

    @property
    def session_cookie(self) -> str:
        return "orbat_session" if self.plain_http else "__Host-orbat_session"


@lru_cache
def get_settings() -> Settings:
    return Settings()
