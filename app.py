#!/usr/bin/env python3
"""CDK app entry: `python app.py` (or `cdk synth`) writes cdk.out/ without AWS credentials; run by
the CDK CLI, it writes where the CLI says (`-o`, CDK_OUTDIR)."""
import os
import sys

import aws_cdk as cdk

from infra.app_stacks import build_app, default_outdir
from infra.settings import SettingsError, cdk_json_context
from lsc.registry import RegistryError

# cdk.json's context as defaults: `python app.py` alone synthesizes what `cdk synth` does.
app = cdk.App(outdir=default_outdir(os.environ), context=cdk_json_context())
try:
    build_app(app)
except (RegistryError, SettingsError) as exc:
    # A mistake in clusters.yaml or the context: one line naming the file and entry (or key), no traceback.
    print(f"synth stopped: {exc}", file=sys.stderr)
    sys.exit(2)
app.synth()
if "CDK_OUTDIR" not in os.environ:  # `make synth`; under `cdk synth|deploy` the CDK CLI reports itself
    stacks = ", ".join(child.node.id for child in app.node.children if isinstance(child, cdk.Stack))
    print(f"synthesized stack {stacks} into {app.outdir}/ (registry valid, cdk-nag passed). "
          "Next: npx aws-cdk@2.1148 deploy", file=sys.stderr)
