"""Read and write scene files: read -> migrate -> validate -> build, and atomic saves with a backup.

``loads_scene`` and ``load_scene`` raise only ``SceneError``. ``save_scene`` writes a temporary file
beside the target, flushes and fsyncs it, keeps the previous file as ``NAME.bak``, then renames the
new file into place, so a crash leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from engine.scene.document import from_document, to_document
from engine.scene.errors import SceneError, show
from engine.scene.migrate import migrate_document
from engine.scene.model import Scene
from engine.scene.parse import decode_text, parse_json, read_bytes
from engine.scene.validate import validate_document

SUFFIX = ".nnscene"
BACKUP_SUFFIX = ".bak"
WIDTH = 100
INDENT = "  "


def loads_scene(text: str | bytes, base_dir: str | os.PathLike[str] | None = None) -> Scene:
    """Read a scene from its text (or UTF-8 bytes). ``base_dir`` is where a CSV data path starts from."""
    try:
        doc = parse_json(decode_text(text))
        doc = migrate_document(doc)
        validate_document(doc)
        return from_document(doc, None if base_dir is None else Path(base_dir))
    except SceneError:
        raise
    except (RecursionError, MemoryError) as exc:
        raise SceneError(
            f"the file is too large or too deeply nested to read ({type(exc).__name__})"
        ) from exc
    except Exception as exc:  # a check this module missed: still a clean error, with the cause kept
        raise SceneError(f"the file could not be read: {type(exc).__name__}: {show(str(exc))}") from exc


def load_scene(path: str | os.PathLike[str]) -> Scene:
    """Read a ``.nnscene`` file; raises ``SceneError`` naming the file, the JSON path and the problem."""
    try:
        return loads_scene(read_bytes(path), Path(path).absolute().parent)
    except SceneError as exc:
        raise exc.with_source(str(path)) from exc.__cause__


def dumps_scene(scene: Scene) -> str:
    """The text of a scene file: UTF-8 JSON, keys in a fixed order, short lists on one line."""
    doc = to_document(scene)
    validate_document(doc)
    return format_json(doc) + "\n"


def save_scene(scene: Scene, path: str | os.PathLike[str], backup: bool = True) -> None:
    """Write ``scene`` to ``path`` atomically; an existing file is kept as ``path + '.bak'``.

    The text is read back through ``loads_scene`` before anything is written, so a scene that would not
    load is refused (``SceneError``) and the file on disk stays as it was.
    """
    target = Path(path)
    text = dumps_scene(scene)
    loads_scene(text, target.absolute().parent)
    data = text.encode("utf-8")
    try:
        tmp = _write_temp(target, data)
        try:
            if target.exists():
                _copy_mode(target, tmp)
                if backup:
                    _backup(target)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _sync_folder(target.parent)
    except OSError as exc:
        raise SceneError(f"the file cannot be written ({exc.strerror or exc})", source=str(path)) from None


def _write_temp(target: Path, data: bytes) -> Path:
    """Write ``data`` to a new hidden file beside ``target``, flushed and fsynced."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(tmp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _backup(target: Path) -> None:
    """Copy the current file to ``NAME.bak`` (itself written atomically)."""
    backup = target.with_name(target.name + BACKUP_SUFFIX)
    tmp = _write_temp(backup, target.read_bytes())
    try:
        _copy_mode(target, tmp)
        os.replace(tmp, backup)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_mode(source: Path, dest: Path) -> None:
    try:
        shutil.copymode(source, dest)
    except OSError:
        pass


def _sync_folder(folder: Path) -> None:
    """fsync the folder so the rename itself survives a crash (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- formatting ---------------------------------------------------------------------------------------------


def format_json(value: Any, width: int = WIDTH) -> str:
    """JSON with two-space indents where a value fits on one line it stays there, as arrays always do."""
    out: list[str] = []
    _write(value, "", out, width)
    return "".join(out)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(", ", ": "))


def _write(value: Any, indent: str, out: list[str], width: int, column: int = 0) -> None:
    """Append ``value``; ``column`` is where on its line it starts (after the indent and any key)."""
    if not isinstance(value, (dict, list)) or not value or _is_array(value) or _fits(value, width - column):
        out.append(_dumps(value))
        return
    inner = indent + INDENT
    last = len(value) - 1
    if isinstance(value, list):
        out.append("[\n")
        for k, item in enumerate(value):
            out.append(inner)
            _write(item, inner, out, width, len(inner))
            out.append(",\n" if k < last else "\n")
        out.append(indent + "]")
    else:
        out.append("{\n")
        for k, (key, item) in enumerate(value.items()):
            prefix = _dumps(str(key)) + ": "
            out.append(inner + prefix)
            _write(item, inner, out, width, len(inner) + len(prefix))
            out.append(",\n" if k < last else "\n")
        out.append(indent + "}")


def _is_array(value: Any) -> bool:
    return isinstance(value, dict) and value.keys() == {"dtype", "shape", "data"}


def _fits(value: Any, budget: int) -> bool:
    """Whether ``value`` fits in ``budget`` characters on one line (stops counting once it cannot)."""
    stack = [value]
    used = 0
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            used += 2 + 4 * len(item)
            for key, v in item.items():
                used += len(key) + 2
                stack.append(v)
        elif isinstance(item, list):
            used += 2 + 2 * len(item)
            stack.extend(item)
        elif isinstance(item, str):
            used += len(item) + 2
        else:
            used += 6
        if used > budget:
            return False
    return len(_dumps(value)) <= budget
