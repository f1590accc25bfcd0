"""orch.adapters.files: file data sinks: JSON Lines, JSON, CSV and SQLite."""
