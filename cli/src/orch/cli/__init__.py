"""orch.cli: the ``orch`` command line, a thin click layer over ``orch.core``."""
