"""`lsc clusters validate FILE`: the registry checks that synth and the handlers apply.
`lsc clusters check [ID]`: tries each registered cluster as the collector would and says what is wrong."""
from __future__ import annotations

import argparse
import json

from lsc.local.cli_output import (
    EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, add_output_arguments, examples, format_table, print_json, say,
)
from lsc.settings import Settings

# Where the stack deploys the registry (`LSC_REGISTRY_KEY` of the handlers).
REGISTRY_KEY = Settings.model_fields["registry_key"].default


def register(subparsers: argparse._SubParsersAction) -> None:
    from lsc.local.data_target import add_target_arguments

    parser = subparsers.add_parser("clusters", help="work with the cluster registry",
                                   **examples("lsc clusters validate clusters.yaml", "lsc clusters check prod-east"))
    commands = parser.add_subparsers(dest="clusters_command", required=True, metavar="ACTION")
    validate = commands.add_parser(
        "validate", help="validate a registry file (clusters.yaml)", **examples("lsc clusters validate clusters.yaml"),
    )
    validate.add_argument("file", help="registry file (YAML or JSON)")
    add_output_arguments(validate)
    validate.set_defaults(func=run_validate)
    check = commands.add_parser(
        "check", help="try DNS, secrets, TLS, /version and the token against registered clusters",
        description="Reaches each cluster with its real secrets (Secrets Manager at the endpoint) and the "
                    f"collector's own client; the registry is the bucket's {REGISTRY_KEY} unless --registry "
                    "names a file. Says which step fails (DNS, secret, TLS/CA, network, path prefix, token) and "
                    "how to fix it. Exit 0 when every cluster passes, 1 when one fails or none is enabled, 2 on "
                    "configuration errors.",
        **examples(
            "lsc clusters check                              # every enabled cluster of the deployed stack",
            "lsc clusters check prod-east --registry clusters.yaml --json",
            "lsc clusters check --endpoint-url http://127.0.0.1:5000 --bucket lsc-demo   # `lsc demo --keep`",
        ),
    )
    check.add_argument("cluster_id", nargs="?", metavar="ID", help="one cluster (default: every enabled cluster)")
    check.add_argument("--registry", metavar="FILE", help=f"registry file (default: the bucket's {REGISTRY_KEY})")
    add_output_arguments(check)
    add_target_arguments(check)
    check.set_defaults(func=run_check)


def run_validate(args: argparse.Namespace) -> int:
    from lsc.registry import RegistryError, load_registry_file

    try:
        registry = load_registry_file(args.file)
    except (RegistryError, OSError) as exc:
        say(f"invalid: {exc}")
        return EXIT_USAGE
    rows = [{"id": cluster.id, "enabled": cluster.enabled, "auth": cluster.auth.type, "tls": _tls(cluster),
             "url": cluster.url} for cluster in registry.clusters]
    if args.json:
        print_json(rows)
        return EXIT_OK
    print(f"{args.file}: {len(registry.clusters)} clusters, {len(registry.enabled())} enabled")
    print(format_table([(key, key) for key in ("id", "enabled", "auth", "tls", "url")], rows))
    return EXIT_OK


def _tls(cluster) -> str:  # type: ignore[no-untyped-def]
    if cluster.tls.insecure_skip_verify:
        return "insecure (no TLS verification)"
    return f"CA from {cluster.tls.ca_bundle_secret}" if cluster.tls.ca_bundle_secret else "system CAs"


def run_check(args: argparse.Namespace) -> int:
    from lsc.local.cluster_check import check_cluster, step_record
    from lsc.local.data_target import TargetError
    from lsc.registry import RegistryError

    try:
        clusters, read_secret = _clusters_and_secrets(args)
    except (TargetError, RegistryError, OSError) as exc:
        say(str(exc))
        return EXIT_USAGE
    if not clusters:
        if args.json:
            print_json({})
        say(f"0 enabled clusters in {args.registry or 'the registry'}: set `enabled: true` on an entry, "
            "or name one: lsc clusters check ID")
        return EXIT_FINDINGS
    results = {cluster.id: check_cluster(cluster, read_secret) for cluster in clusters}
    failed = [cluster_id for cluster_id, steps in results.items() if not steps[-1].ok]
    if args.json:
        print_json({cluster_id: {"ok": cluster_id not in failed, "steps": [step_record(s) for s in steps]}
                    for cluster_id, steps in results.items()})
    else:
        for cluster_id, steps in results.items():
            print(f"{cluster_id}: {'FAILED: ' + steps[-1].problem if cluster_id in failed else 'all is well'}")
            for step in steps:
                print(f"  {'ok  ' if step.ok else 'FAIL'} {step.name}: {step.detail}")
                if step.hint:
                    print(f"       fix: {step.hint}")
    return EXIT_FINDINGS if failed else EXIT_OK


def _clusters_and_secrets(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """(clusters to check, secret reader) from the flags; raises on configuration errors."""
    from lsc.local.data_target import DataTarget, resolve_target
    from lsc.registry import RegistryError, load_registry_file, parse_registry

    if args.registry:
        registry = load_registry_file(args.registry)
        target = DataTarget(args.bucket or "", args.endpoint_url)
    else:
        target = resolve_target(args)
        try:
            body = target.client("s3").get_object(Bucket=target.bucket, Key=REGISTRY_KEY)["Body"].read()
        except Exception as exc:  # noqa: BLE001 - any failure means the registry is not where it should be
            raise RegistryError(f"cannot read s3://{target.bucket}/{REGISTRY_KEY} ({type(exc).__name__}); "
                                "deploy the stack or pass --registry FILE") from None
        registry = parse_registry(json.loads(body), source=f"s3://{target.bucket}/{REGISTRY_KEY}")
    clusters = [registry.get(args.cluster_id)] if args.cluster_id else registry.enabled()
    secrets = target.client("secretsmanager")
    return clusters, lambda name: secrets.get_secret_value(SecretId=name)["SecretString"]
