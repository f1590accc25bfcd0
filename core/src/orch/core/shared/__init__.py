"""Values and text tools every use case may import: bounded documents, patterns, globs,
untrusted text, output limits, redaction, cache files and outcome counts."""
