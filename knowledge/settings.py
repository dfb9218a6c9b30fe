"""One settings object for the whole project: environment variables (FAZHI_*) over defaults.

It lives in ``knowledge`` because that is the bottom layer every other layer may import.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAZHI_", extra="ignore")

    # Everything built at run time (store, indexes, converted model weights) goes under here.
    home: Path = Field(default=PROJECT_ROOT / ".fazhi")
    # Extra LawRefBook-layout folders / documents imported by `fazhi knowledge build` besides
    # the packaged national laws and the Wenzhou opinions (os.pathsep-separated in the env var).
    extra_sources: str = ""
    # Date used to decide which version is current; None = today.
    as_of: str | None = None
    # Intake records database (SQLAlchemy URL); default SQLite under home.
    intake_url: str | None = None
    # Dense retrieval on/off (lexical always serves).
    dense: bool = True
    # Converted model weights can live apart from the data (shared by several homes, e.g. in tests).
    models: Path | None = None
    threads: int = 2
    # Learned parts of search: "auto" (a local `fazhi index train`'s, else the shipped ones), "none" (base e5 and
    # RRF: the untrained baseline), or the folder of another training's artifacts.
    learned: str = "auto"

    @property
    def store_path(self) -> Path:
        return self.home / "store.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def models_dir(self) -> Path:
        return self.models or self.home / "models"

    @property
    def intake_db_url(self) -> str:
        return self.intake_url or f"sqlite:///{self.home / 'intake.sqlite'}"

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
