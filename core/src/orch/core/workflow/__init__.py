"""The workflow: its model, loading and checking it from YAML or JSON, and run filters."""
