"""boto3 clients, created on first use (not at import) and reused across warm invocations."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)


def read_secret(name: str) -> str:
    from aws_lambda_powertools.utilities import parameters

    # cached for five minutes per warm container: tokens are read once per batch, not per call
    value = parameters.get_secret(name, max_age=300)
    return value.decode() if isinstance(value, bytes) else str(value)


def reset() -> None:
    """Forgets clients, cached secrets and registries: local runs point the SDK at a new endpoint."""
    from aws_lambda_powertools.utilities import parameters

    from lsc.data_bucket import forget_cached_registries

    client.cache_clear()
    parameters.clear_caches()
    forget_cached_registries()
