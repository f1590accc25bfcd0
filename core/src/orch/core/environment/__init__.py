"""The environment use case: what provisioning does with an ``EnvironmentSpec``.

For now the pure parts: the order services start in (``order.start_levels``) and templates
resolved against the endpoints of started services (``templating``). The spec itself is read and
checked by the workflow (``orch.core.workflow.services``, ``environments``, ``environment``).
"""
