"""`lsc` command line. Each command lives in its own module exposing `register(subparsers)`.

Exit codes: 0 ok, 1 findings (e.g. missing evidence), 2 usage or configuration errors; 130 after
Ctrl-C and 141 when the reader of stdout went away (`lsc query … | head`), as for SIGINT and SIGPIPE.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

COMMAND_MODULES = (
    "lsc.local.demo",
    "lsc.local.simulate_command",
    "lsc.local.clusters_command",
    "lsc.local.snapshots_command", "lsc.local.coverage_command", "lsc.local.collect_command",
    "lsc.local.rollup_command",
    "lsc.local.report_command",
    "lsc.local.entitlements_command",
    "lsc.local.query_command",
    "lsc.local.bench_command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lsc",
        description="License Service Collector: IBM License Service usage across clusters.",
        epilog="examples:\n  lsc demo --keep                 # the whole collection locally\n"
               "  lsc report --out report.html    # charts and tables (see `lsc report --help`)\n"
               "  lsc rollup --json               # the multicluster peaks\n"
               "  lsc clusters check              # is every registered cluster reachable?\n"
               "exit codes: 0 ok, 1 findings (failed checks, breaches, no data), 2 usage or configuration errors",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's own flush at exit
        return code
    except KeyboardInterrupt:
        pass
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        # Ctrl-C inside an import wraps KeyboardInterrupt (e.g. "Error calling __set_name__")
        if not isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            raise
    print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


def _discard_stdout() -> None:
    """The reader is gone: what is still buffered goes nowhere, quietly (no second BrokenPipeError
    when the interpreter flushes stdout on exit)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor (captured in tests)
        pass


if __name__ == "__main__":
    sys.exit(main())
