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
except (SettingsError, RegistryError) as exc:  # a wrong setting or registry entry: its message, no traceback
    sys.exit(f"lsc: {exc}")
app.synth()
