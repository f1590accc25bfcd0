"""Running tests: the run session, shards, the run lock and live status."""
