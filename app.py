#!/usr/bin/env python3
"""CDK app entry: `python app.py` (or `cdk synth`) writes cdk.out/ without AWS credentials."""
import aws_cdk as cdk

from infra.app_stacks import build_app
from infra.settings import cdk_json_context

# cdk.json's context as defaults: `python app.py` alone synthesizes what `cdk synth` does.
app = cdk.App(outdir="cdk.out", context=cdk_json_context())
build_app(app)
app.synth()
