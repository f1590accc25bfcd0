"""Running tests: the run session, shards and live status."""
