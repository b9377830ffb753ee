"""`lsc clusters validate FILE`: the registry checks that synth and the handlers apply."""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("clusters", help="work with the cluster registry")
    commands = parser.add_subparsers(dest="clusters_command", required=True, metavar="ACTION")
    validate = commands.add_parser(
        "validate", help="validate a registry file (clusters.yaml)",
        epilog="example:\n  lsc clusters validate clusters.yaml", formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("file", help="registry file (YAML or JSON)")
    validate.set_defaults(func=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    from lsc.registry import RegistryError, load_registry_file

    try:
        registry = load_registry_file(args.file)
    except (RegistryError, OSError) as exc:
        print(f"invalid: {exc}", file=sys.stderr)
        return 2
    enabled = registry.enabled()
    print(f"{args.file}: {len(registry.clusters)} clusters, {len(enabled)} enabled")
    for cluster in registry.clusters:
        tls = "insecure (no TLS verification)" if cluster.tls.insecure_skip_verify else (
            f"CA from {cluster.tls.ca_bundle_secret}" if cluster.tls.ca_bundle_secret else "system CAs")
        print(f"  {cluster.id:<24} {'enabled ' if cluster.enabled else 'disabled'} {cluster.auth.type:<6} {tls:<32} {cluster.url}")
    return 0
