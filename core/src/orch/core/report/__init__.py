"""Reports written at the end of a run (JUnit XML, JSON)."""
