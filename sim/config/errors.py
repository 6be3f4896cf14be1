"""The one error a user's configuration mistake produces."""

from __future__ import annotations


class ConfigError(ValueError):
    """A bad configuration value: names the key path, the bad value and what is allowed, in one line."""

    def __init__(self, path: str, value: object, allowed: str):
        self.path, self.value, self.allowed = path, value, allowed
        super().__init__(f"{path} = {value!r}: {allowed}")
