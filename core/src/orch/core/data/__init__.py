"""The test data use case: a dataset's spec checked against the kinds available, its rows
generated from its seed (the same on every machine and every day), its version, and the check
that what was generated keeps its references and uniqueness."""
