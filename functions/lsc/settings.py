"""Environment parsed once, at the edge, into a typed settings object."""
from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


# Share of the collector invocation's remaining time its License Service calls may use; the rest
# is kept for writing to S3 and the status record, so a slow cluster fails visibly, never by timeout.
FETCH_SHARE = 0.85


class Settings(BaseModel):
    data_bucket: str = Field(min_length=3)
    queue_url: str | None = None
    registry_key: str = "config/clusters.json"
    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    snapshot_read_timeout: float = 120.0
    max_json_bytes: int = 32 * 1024 * 1024
    max_snapshot_bytes: int = 256 * 1024 * 1024
    # attempts per call (infra/settings.py HTTP_ATTEMPTS sets it, so its timeout budget holds)
    http_attempts: int = Field(3, ge=1)
    retry_base_delay: float = Field(0.5, ge=0)
    # seconds one cluster's calls may take in all (default: FETCH_SHARE of the invocation's time)
    fetch_budget_seconds: float | None = Field(None, gt=0)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        fields = {
            "data_bucket": "LSC_DATA_BUCKET",
            "queue_url": "LSC_QUEUE_URL",
            "registry_key": "LSC_REGISTRY_KEY",
            "connect_timeout": "LSC_CONNECT_TIMEOUT",
            "read_timeout": "LSC_READ_TIMEOUT",
            "snapshot_read_timeout": "LSC_SNAPSHOT_READ_TIMEOUT",
            "max_json_bytes": "LSC_MAX_JSON_BYTES",
            "max_snapshot_bytes": "LSC_MAX_SNAPSHOT_BYTES",
            "http_attempts": "LSC_HTTP_ATTEMPTS",
            "retry_base_delay": "LSC_RETRY_BASE_DELAY",
            "fetch_budget_seconds": "LSC_FETCH_BUDGET_SECONDS",
        }
        return cls.model_validate({name: env[var] for name, var in fields.items() if var in env})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
