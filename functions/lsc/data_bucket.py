"""Data access for the data bucket: JSON Lines datasets, single JSON documents, the registry."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from lsc.jsonlines import dumps_line, dumps_lines, loads_lines
from lsc.registry import Registry, parse_registry

JSON_LINES = "application/x-ndjson"


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound")


class DataBucket:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except ClientError as exc:
            if _missing(exc):
                return None
            raise

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def put_json_lines(self, key: str, records: Iterable[Mapping[str, Any]]) -> None:
        self.put_bytes(key, dumps_lines(records), JSON_LINES)

    def get_json_lines(self, key: str) -> list[dict[str, Any]] | None:
        body = self.get_bytes(key)
        return None if body is None else loads_lines(body)

    def put_json(self, key: str, document: Mapping[str, Any]) -> None:
        # one line: Athena's JSON SerDe reads one object per line
        self.put_bytes(key, (dumps_line(document) + "\n").encode(), "application/json")

    def get_json(self, key: str) -> dict[str, Any] | None:
        body = self.get_bytes(key)
        return None if body is None else json.loads(body)

    def read_registry(self, key: str) -> Registry:
        body = self.get_bytes(key)
        if body is None:
            raise FileNotFoundError(f"s3://{self.bucket}/{key}: the cluster registry is missing (deploy it)")
        return parse_registry(json.loads(body), source=f"s3://{self.bucket}/{key}")
