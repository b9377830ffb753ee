"""CDK stacks and the catalog (view SQL files) shared by AWS and the local engine."""
