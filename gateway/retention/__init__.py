"""Retention of personal data (issue 12, item 5): one policy (``policy.RetentionPolicy``, env
``RETENTION_*``), applied to every store by ``python -m gateway.retention prune``."""
