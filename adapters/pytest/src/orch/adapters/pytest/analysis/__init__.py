"""Python and pytest change analysis: the import graph, pytest's collection conventions and Python
spans, answering orch's ``ChangeImpact`` port for applications the pytest runner runs."""
