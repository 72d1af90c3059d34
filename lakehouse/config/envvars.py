"""``${env:VAR}`` and ``${env:VAR:-default}`` references, resolved at load time."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping

_REF = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
ENV_REFERENCE = _REF  # group 1: the variable, group 2: the default (None without ``:-``)


class MissingEnvVar(Exception):
    def __init__(self, path: str, var: str):
        self.path, self.var = path, var
        super().__init__(f"{path}: environment variable {var} is not set")


def resolve_env(value: object, path: str = "", env: Mapping[str, str] | None = None,
                keep: Callable[[str], bool] | None = None) -> object:
    """Return ``value`` with every ``${env:VAR}`` string reference replaced.

    ``keep``: references to the variables it accepts are left as written (e.g. secrets, when
    a resolved copy of the configuration is shipped somewhere).
    """
    env = os.environ if env is None else env
    if isinstance(value, dict):
        return {k: resolve_env(v, f"{path}.{k}" if path else str(k), env, keep)
                for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_env(v, f"{path}[{i}]", env, keep) for i, v in enumerate(value)]
    if isinstance(value, str):
        def sub(match: re.Match[str]) -> str:
            var, default = match.group(1), match.group(2)
            if keep is not None and keep(var):
                return match.group(0)
            if var in env:
                return env[var]
            if default is not None:
                return default
            raise MissingEnvVar(path, var)

        return _REF.sub(sub, value)
    return value
