"""Format versions: the migration registry, newer files refused, and a synthetic v1 -> v2 migration.

Version 2 does not exist yet, so the tests register a fake migration in a registry of their own (or in
the loader's registry, patched for the test) and pretend the current version is 2.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from engine.scene import SceneError, load_scene, loads_scene, migrate
from engine.scene.migrate import Migrations, check_header

ROOT = Path(__file__).resolve().parents[1]
V1_FIXTURE = (ROOT / "scenes" / "01-perceptron.nnscene").read_text(encoding="utf-8")


def v1() -> dict:
    return json.loads(V1_FIXTURE)


def test_the_current_version_needs_no_migration():
    doc = v1()
    assert migrate.MIGRATIONS.run(copy.deepcopy(doc)) == doc


def test_a_registered_migration_runs_and_bumps_the_version():
    registry = Migrations()

    @registry.register(1, 2)
    def add_seed(d):
        d["training"].setdefault("data_seed", 7)
        return d

    out = registry.run(v1(), target=2)
    assert out["version"] == 2
    assert out["training"]["data_seed"] == 7


def test_migrations_chain_version_by_version():
    registry = Migrations()
    seen = []

    @registry.register(2, 3)
    def second(d):
        seen.append(d["version"])
        return d

    @registry.register(1, 2)
    def first(d):
        seen.append(d["version"])
        return d

    assert registry.run(v1(), target=3)["version"] == 3
    assert seen == [1, 2]


def test_a_missing_step_is_a_clear_error():
    registry = Migrations()
    registry.register(1, 2)(lambda d: d)
    with pytest.raises(SceneError, match="cannot convert version 2 files to version 3") as info:
        registry.run(v1(), target=3)
    assert info.value.path == "$.version"


def test_a_failing_migration_becomes_a_scene_error():
    registry = Migrations()

    @registry.register(1, 2)
    def broken(d):
        return d["no such key"]

    with pytest.raises(SceneError, match="from version 1 to 2 failed"):
        registry.run(v1(), target=2)


@pytest.mark.parametrize(("start", "end"), [(1, 3), (0, 1), (2, 1), (1, 1)])
def test_a_migration_goes_exactly_one_version_up(start, end):
    with pytest.raises(ValueError, match="one version up"):
        Migrations().register(start, end)


def test_a_step_is_registered_once():
    registry = Migrations()
    registry.register(1, 2)(lambda d: d)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(1, 2)(lambda d: d)


def test_a_newer_file_is_refused_with_both_versions():
    doc = v1()
    doc["version"] = 9
    with pytest.raises(SceneError) as info:
        loads_scene(json.dumps(doc))
    assert info.value.path == "$.version"
    assert "written by a newer nnsim (version 9)" in str(info.value)
    assert "reads up to version 1" in str(info.value)


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"format": "other"}, "$.format", "not a scene file"),
        ({"format": None}, "$.format", "not a scene file"),
        ({"version": "1"}, "$.version", "whole number"),
        ({"version": True}, "$.version", "whole number"),
        ({"version": 0}, "$.version", "1 or more"),
    ],
)
def test_the_header_is_checked_first(change, path, message):
    doc = v1()
    doc.update(change)
    with pytest.raises(SceneError, match=message) as info:
        check_header(doc)
    assert info.value.path == path


def test_loading_a_v1_file_runs_the_registered_migration(monkeypatch, tmp_path):
    """The loader path end to end: v1 fixture -> fake migration -> validated as version 2 -> saved as 2."""
    from engine.scene import dumps_scene

    registry = Migrations()

    @registry.register(1, 2)
    def shout_title(d):
        d["title"] = d["title"].upper()
        return d

    monkeypatch.setattr(migrate, "MIGRATIONS", registry)
    monkeypatch.setattr(migrate, "CURRENT_VERSION", 2)
    path = tmp_path / "old.nnscene"
    path.write_text(V1_FIXTURE, encoding="utf-8")
    scene = load_scene(path)
    assert scene.title == "A SINGLE NEURON SEPARATES TWO CLOUDS"
    assert json.loads(dumps_scene(scene))["version"] == 2
    # and a version-2 file now loads without migrating again
    assert loads_scene(dumps_scene(scene)).title == scene.title
