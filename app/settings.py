from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def tile_origin(tile_url: str) -> str:
    """The CSP source for a Leaflet tile URL template such as `https://{s}.tile.example/{z}/...`.

    A templated first label (the `{s}` subdomain) becomes CSP's `*.` wildcard; a placeholder
    elsewhere in the host cannot be said in CSP, so it is refused rather than widened to a scheme.
    """
    parts = urlsplit(tile_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"tile_url {tile_url!r} is not an http(s) URL template")
    host = parts.netloc.rsplit("@", 1)[-1]
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label or "}" in label for label in labels):
        raise ValueError(
            f"tile_url {tile_url!r}: only the first part of the host may be a placeholder"
        )
    return f"{parts.scheme}://{'.'.join(labels)}"


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

    @model_validator(mode="after")
    def _tiles_can_be_allowed(self) -> "Settings":
        # Checked when the settings are read, so a bad template stops `orbat serve` with a message
        # instead of failing every request when the security headers are first built.
        if self.remote_tiles:
            try:
                tile_origin(self.tile_url)
            except ValueError as error:
                raise ValueError(
                    f"ORBAT_TILE_URL: {error} (or set ORBAT_REMOTE_TILES=false)"
                ) from None
        return self

    @property
    def session_cookie(self) -> str:
        return "orbat_session" if self.plain_http else "__Host-orbat_session"


@lru_cache
def get_settings() -> Settings:
    return Settings()
