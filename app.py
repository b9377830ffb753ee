#!/usr/bin/env python3
"""CDK app entry: `python app.py` (or `cdk synth`) writes cdk.out/ without AWS credentials."""
import aws_cdk as cdk

from infra.app_stacks import build_app

app = cdk.App(outdir="cdk.out")
build_app(app)
app.synth()
