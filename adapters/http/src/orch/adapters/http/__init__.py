"""orch.adapters.http: the HTTP data sink: entities POSTed
to an application's API in dependency order."""
