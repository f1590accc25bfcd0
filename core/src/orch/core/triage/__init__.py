"""Triage: failures categorised, clustered, routed and filed."""
