"""What every command prints the same way: aligned tables, CSV, JSON, progress, exit codes.

`--json` and `--csv` put only the document on stdout; messages and progress go to stderr, and
progress only when stderr is a terminal (a pipe or CI log gets no spinner lines).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TextIO

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def progress(message: str) -> None:
    """A step of a long operation, shown only to a person watching a terminal."""
    if sys.stderr.isatty():
        say(message)


def iso_date(text: str) -> date:
    """argparse type for `YYYY-MM-DD` (a bad value is a usage error, exit 2)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def add_output_arguments(parser: argparse.ArgumentParser, *, csv_help: str | None = None) -> None:
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="print only JSON on stdout")
    if csv_help:
        formats.add_argument("--csv", action="store_true", help=csv_help)


def examples(*lines: str) -> dict[str, Any]:
    """`add_parser` keyword arguments for a help text ending with examples."""
    return {"epilog": "examples:\n" + "\n".join(f"  {line}" for line in lines),
            "formatter_class": argparse.RawDescriptionHelpFormatter}


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        # A computed ratio (share_of_peak 0.14634146341463414) shows 6 decimals, the precision of
        # every stored quantity (DECIMAL(18,6)); JSON output keeps the full value.
        value = Decimal(str(round(value, 6)))
    if isinstance(value, Decimal):
        # 5110.0 -> "5110", 0.5 -> "0.5": licence quantities read best without a trailing fraction.
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def format_table(columns: Sequence[tuple[str, str]], rows: Sequence[Mapping[str, Any]]) -> str:
    """Aligned text table; `columns` = (key, header); numbers right-aligned."""
    body = [[cell(row.get(key)) for key, _ in columns] for row in rows]
    header = [title for _, title in columns]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(columns))]
    numeric = {i for i, (key, _) in enumerate(columns)
               if rows and all(isinstance(row.get(key), (int, float, Decimal)) or row.get(key) is None for row in rows)}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(cells) for cells in body)])


def write_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], stream: TextIO | None = None) -> None:
    writer = csv.writer(stream or sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(key)) if not isinstance(row.get(key), bool) else str(row.get(key)).lower()
                         for key in columns])


def print_json(document: Any) -> None:
    print(json.dumps(document, indent=1, sort_keys=True, default=_json_value))


def _json_value(value: Any) -> Any:
    # Quantities stay JSON numbers (as in the rollup document); dates become ISO text.
    return float(value) if isinstance(value, Decimal) else cell(value)
