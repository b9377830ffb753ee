"""README tables generated from the one column list and the view catalog, so docs never drift.

`python -m lsc.local.reference_tables` rewrites the generated blocks of README.md; a test fails
when they are stale.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from infra.catalog import PERIOD_QUERY, VIEWS
from lsc.datasets import DATASETS, Dataset

README = Path(__file__).resolve().parents[3] / "README.md"
BLOCK = re.compile(r"(<!-- generated:(?P<name>[a-z_]+) -->\n).*?(<!-- end:(?P=name) -->)", re.S)


def _key_example(dataset: Dataset) -> str:
    value = "<YYYY-MM>" if dataset.partition == "month" else "<YYYY-MM-DD>"
    return f"`{dataset.key_in(value, '<cluster_id>', '<run_id>')}`"


def datasets_table() -> str:
    rows = ["| table | S3 key | content | columns (besides `schema_version, cluster_id, run_id, scheduled_time`) |",
            "|---|---|---|---|"]
    rows += [f"| `{d.table}` | {_key_example(d)} | {d.description} | "
             + ", ".join(f"`{name}` {kind}" for name, kind in d.columns) + " |" for d in DATASETS]
    return "\n".join(rows)


def views_table() -> str:
    rows = ["| view | one row per |", "|---|---|"]
    rows += [f"| `{name}` | {what} |" for name, what in VIEWS.items()]
    rows.append(f"| `{PERIOD_QUERY}` (query, two `?`: first and last day) | product and metric (and chargeback group) over any period |")
    return "\n".join(rows)


GENERATORS = {"datasets": datasets_table, "views": views_table}


def render(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + GENERATORS[m.group("name")]() + "\n" + m.group(3), text)


def main() -> int:
    README.write_text(render(README.read_text()))
    print(f"updated {README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
