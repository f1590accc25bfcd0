"""orch's node adapter: which tests of a JavaScript application a changed file can reach."""
