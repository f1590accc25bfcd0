"""orch-markdown-summary: a Markdown summary of each orch run, for a CI step summary."""
