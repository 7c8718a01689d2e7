"""The labelaudit version (also in pyproject.toml; findings.json ``tool.version``)."""

__version__ = "0.3.0"
