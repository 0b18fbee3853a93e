"""Where the JSON Schema of the scene format lives (for editors and other tools; nnsim checks by hand)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any


def schema_path() -> Path:
    """Path of ``schema.json`` inside the installed package."""
    return Path(str(resources.files("engine.scene").joinpath("schema.json")))


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) describing a version-1 scene file."""
    return json.loads(schema_path().read_text(encoding="utf-8"))
