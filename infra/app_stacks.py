"""Builds every stack of the app; the infrastructure issue fills these in."""
import aws_cdk as cdk


def build_app(app: cdk.App) -> None:
    stack_name = app.node.try_get_context("lsc:stackName") or "Lsc"
    cdk.Stack(app, stack_name)
