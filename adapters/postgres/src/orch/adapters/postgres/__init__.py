"""orch.adapters.postgres: the PostgreSQL data sink: COPY loads, a template
database, a clone per worker."""
