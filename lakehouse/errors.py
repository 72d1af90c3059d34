"""Error hierarchy: one root, one subclass per phase. No Spark imports here.

Every error carries structured fields; ``str(err)`` is the short, actionable message the
CLI prints (never a traceback). Foreign exceptions are wrapped at the boundary and chained.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Where:
    """Where an error happened: the typed fields the phases fill in (each optional).

    ``dataset``/``export`` and ``stage`` name the unit of work, ``table`` a table URI,
    ``gate`` a quality gate, ``file``/``row``/``key`` the input, ``batch`` an ingest or event
    batch, ``run_id`` the run, ``lock`` a lock or lease, ``version`` a table or object
    version, ``code`` an AWS error code.
    """

    dataset: str | None = None
    export: str | None = None
    stage: str | None = None
    table: str | None = None
    gate: str | None = None
    file: str | None = None
    row: int | None = None
    key: str | None = None
    batch: str | None = None
    run_id: str | None = None
    lock: str | None = None
    version: str | None = None
    code: str | None = None

    def items(self) -> list[tuple[str, object]]:
        """The fields that are set, in declaration order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) is not None]


class LakehouseError(Exception):
    """Root of every error the framework raises on purpose.

    ``where`` holds the typed location fields (:class:`Where`), given as keywords:
    ``TableError("...", table=uri)``; an unknown keyword is a ``TypeError``.
    """

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, **where: object):
        self.message = message
        self.hint = hint
        self.where = Where(**where)  # type: ignore[arg-type]
        super().__init__(self.render())

    @property
    def context(self) -> dict[str, object]:
        """The set location fields as a dict (read-only view of :attr:`where`)."""
        return dict(self.where.items())

    def render(self) -> str:
        parts = []
        located = self.where.items()
        if located:
            parts.append("[" + ", ".join(f"{k}={v}" for k, v in located) + "] ")
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


class DqdlSyntaxError(LakehouseError):
    """A DQDL ruleset does not parse: where (line, column), what was expected, what was found.

    ``line`` and ``column`` are 1-based positions in the ruleset text; ``expected`` lists what
    would have been accepted there, in words; ``found`` is the text found instead (``None`` at
    the end of the ruleset).
    """

    exit_code = 2

    def __init__(self, message: str, *, line: int, column: int, expected: Sequence[str] = (),
                 found: str | None = None, excerpt: str = "", file: str | None = None,
                 hint: str | None = None):
        self.line = line
        self.column = column
        self.expected = list(expected)
        self.found = found
        self.excerpt = excerpt
        self.file = file
        body = f"line {line}, column {column}: {message}"
        if excerpt:
            body += "\n" + excerpt
        super().__init__(body, hint=hint, file=file)
