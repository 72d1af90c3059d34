"""Error hierarchy: one root, one subclass per phase. No Spark imports here.

Every error carries structured fields; ``str(err)`` is the short, actionable message the
CLI prints (never a traceback). Foreign exceptions are wrapped at the boundary and chained.
"""

from __future__ import annotations

from collections.abc import Sequence


class LakehouseError(Exception):
    """Root of every error the framework raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, context: dict | None = None):
        self.message = message
        self.hint = hint
        self.context = dict(context or {})
        super().__init__(self.render())

    def render(self) -> str:
        parts = []
        if self.context:
            where = ", ".join(f"{k}={v}" for k, v in self.context.items() if v is not None)
            if where:
                parts.append(f"[{where}] ")
        parts.append(self.message)
        if self.hint:
            parts.append(f"\n  hint: {self.hint}")
        return "".join(parts)


class ConfigError(LakehouseError):
    """A configuration file is missing, unreadable or invalid."""

    exit_code = 2

    def __init__(self, file: str, problems: Sequence[str], *, hint: str | None = None):
        self.file = file
        self.problems = list(problems)
        body = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid configuration in {file}:\n{body}", hint=hint)


class InvalidArgumentError(LakehouseError, ValueError):
    """A caller passed a value outside the allowed ones (also a ``ValueError``)."""

    exit_code = 2

    def __init__(self, argument: str, value: object, allowed: Sequence[object] | None = None,
                 *, message: str | None = None, hint: str | None = None):
        self.argument = argument
        self.value = value
        self.allowed = list(allowed) if allowed is not None else None
        super().__init__(message or f"{argument} must be one of {tuple(self.allowed or ())}, "
                                    f"got {value!r}", hint=hint)


class StorageError(LakehouseError, ValueError):
    """A location is malformed or of an unsupported kind (also a ``ValueError``)."""

    def __init__(self, message: str, *, uri: str | None = None, hint: str | None = None):
        self.uri = uri
        super().__init__(message, hint=hint)


class SourceError(LakehouseError):
    """A landing file cannot be read as declared."""


class SchemaError(LakehouseError):
    """Data does not match the declared or registered schema."""


class TableError(LakehouseError):
    """A table read, write or commit failed."""


class ConcurrentCommitError(TableError):
    """Another writer holds the table's commit lease."""


class QualityGateError(LakehouseError):
    """A quality gate blocked promotion to the next zone."""

    exit_code = 3


class RunFailed(LakehouseError):
    """A pipeline run finished with some datasets failed or blocked (the rest ran)."""

    def __init__(self, message: str, *, exit_code: int = 1):
        self.exit_code = exit_code
        super().__init__(message)


class CatalogError(LakehouseError):
    """Catalog operation failed (mirrors Glue's error families)."""


class EntityNotFoundError(CatalogError):
    """Glue's EntityNotFoundException."""


class AlreadyExistsError(CatalogError):
    """Glue's AlreadyExistsException."""


class InvalidInputError(CatalogError):
    """Glue's InvalidInputException."""


class RuntimeSubmissionError(LakehouseError):
    """Packaging, uploading or starting a run on a cluster failed."""


class EventError(LakehouseError):
    """An event could not be parsed, routed or dispatched."""


class EnvironmentProblem(LakehouseError):
    """The machine lacks something the framework needs (Java, a binary)."""
