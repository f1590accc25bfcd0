"""orch's Docker adapter: an environment's services as labelled containers on their own network."""
