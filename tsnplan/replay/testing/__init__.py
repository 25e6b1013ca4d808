"""Test-harness support: the pytest plugin (entry point ``pytest11``: ``tsnplan``)."""
