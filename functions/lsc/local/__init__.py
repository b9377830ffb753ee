"""Local-only code (simulator, demo, local SQL engine, CLI); excluded from the Lambda asset."""
