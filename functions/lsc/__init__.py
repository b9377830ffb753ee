"""lsc: collects IBM License Service usage and audit snapshots from many clusters."""

SCHEMA_VERSION = 1
