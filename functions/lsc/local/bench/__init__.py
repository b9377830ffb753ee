"""`lsc bench`: performance and scale measurements, each with its ratio against a baseline run in the
same process on the same machine (docs/performance.md explains the figures)."""
