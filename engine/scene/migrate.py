"""Scene format versions, and the migrations that carry an old file forward one version at a time.

A migration takes the document of version ``n`` and returns the document of version ``n + 1``::

    @migration(1, 2)
    def add_init_seed(doc):
        doc["training"].setdefault("init_seed", doc["training"].get("seed", 0))
        return doc

Loading runs every step from the file's version up to ``CURRENT_VERSION``, then validates. A file
from a newer nnsim is refused with a message that says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.scene.errors import SceneError, show

FORMAT = "nnsim.scene"
CURRENT_VERSION = 1
"""The version this nnsim writes, and the newest it reads."""

Migration = Callable[[dict[str, Any]], dict[str, Any]]


class Migrations:
    """A registry of single-step migrations keyed by the version they start from."""

    def __init__(self) -> None:
        self.steps: dict[int, Migration] = {}

    def register(self, from_version: int, to_version: int) -> Callable[[Migration], Migration]:
        """Decorator: ``@registry.register(1, 2)`` marks a function that turns a v1 document into v2."""
        if not (isinstance(from_version, int) and from_version >= 1 and to_version == from_version + 1):
            raise ValueError(f"a migration goes one version up, not from {from_version} to {to_version}")

        def decorate(func: Migration) -> Migration:
            if from_version in self.steps:
                raise ValueError(f"a migration from version {from_version} is already registered")
            self.steps[from_version] = func
            return func

        return decorate

    def run(self, doc: dict[str, Any], target: int | None = None) -> dict[str, Any]:
        """Migrate ``doc`` (a checked header, see ``check_header``) up to ``target`` (default: current)."""
        target = CURRENT_VERSION if target is None else target
        version = check_header(doc, target)
        while version < target:
            step = self.steps.get(version)
            if step is None:
                raise SceneError(
                    f"this nnsim cannot convert version {version} files to version {version + 1}", "$.version"
                )
            try:
                migrated = step(doc)
            except SceneError:
                raise
            except Exception as exc:  # a migration meeting a file it did not expect
                raise SceneError(
                    f"converting the file from version {version} to {version + 1} failed: {show(str(exc))}"
                ) from exc
            if not isinstance(migrated, dict):
                raise SceneError(f"the migration from version {version} did not return a document")
            version += 1
            migrated["version"] = version
            doc = migrated
        return doc


MIGRATIONS = Migrations()
"""The registry the loader uses."""

migration = MIGRATIONS.register


def check_header(doc: Any, current: int | None = None) -> int:
    """Check ``format`` and ``version`` and return the version; refuse a file newer than this nnsim."""
    current = CURRENT_VERSION if current is None else current
    if not isinstance(doc, dict):
        raise SceneError("a scene file holds one JSON object ({...}), not a list or a single value")
    fmt = doc.get("format")
    if fmt != FORMAT:
        if "format" not in doc:
            raise SceneError(f'this is not a scene file: it has no "format": "{FORMAT}"', "$")
        raise SceneError(f"this is not a scene file: format is {show(fmt)}, not {FORMAT!r}", "$.format")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SceneError(f"version must be a whole number, not {show(version)}", "$.version")
    if version < 1:
        raise SceneError(f"version must be 1 or more, not {version}", "$.version")
    if version > current:
        raise SceneError(
            f"this file was written by a newer nnsim (version {version}); "
            f"this app reads up to version {current}. Update nnsim to open it.",
            "$.version",
        )
    return version


def migrate_document(doc: Any, target: int | None = None) -> dict[str, Any]:
    """Bring a parsed document up to ``target`` (default ``CURRENT_VERSION``) with ``MIGRATIONS``."""
    return MIGRATIONS.run(doc, target)
