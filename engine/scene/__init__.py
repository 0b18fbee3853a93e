"""Scene files (``.nnscene``): what a teacher hands out, read and written safely.

A scene is the network and its layout, the data set, the training settings, the view state, a lesson
with numbered steps, locks, sticky notes and arrows, and optionally the trained weights and history,
in one UTF-8 JSON file (``docs/scene-format.md``; ``schema.json`` in this package)::

    from engine.scene import load_scene, save_scene, scene_from_trainer
    scene = load_scene("scenes/02-xor-hidden-layer.nnscene")
    trainer = scene.make_trainer()
    trainer.run(500)
    save_scene(scene_from_trainer(trainer, scene), "xor-trained.nnscene")

Loading reads, migrates version by version, validates and builds; any problem is a ``SceneError``
naming the JSON path. No pickle and no code is ever read from a file.
"""

from engine.scene.build import make_dataset, make_trainer, scene_from_trainer
from engine.scene.codec import decode_array, encode_array
from engine.scene.datasets import (
    CsvData,
    DatasetSpec,
    IdxData,
    ImageFolderData,
    ImageSetData,
    InlineData,
    IrisData,
    PlaygroundData,
    spec_of,
)
from engine.scene.errors import SceneError
from engine.scene.io import SUFFIX, dumps_scene, load_scene, loads_scene, save_scene
from engine.scene.migrate import CURRENT_VERSION, FORMAT, MIGRATIONS, Migrations, migrate_document, migration
from engine.scene.model import (
    Arrow,
    Lesson,
    LessonStep,
    Locks,
    Note,
    OptimizerState,
    Scene,
    TrainedState,
    TrainingSpec,
)
from engine.scene.schema import load_schema, schema_path
from engine.scene.summary import describe

__all__ = [
    "CURRENT_VERSION",
    "FORMAT",
    "MIGRATIONS",
    "SUFFIX",
    "Arrow",
    "CsvData",
    "DatasetSpec",
    "IdxData",
    "ImageFolderData",
    "ImageSetData",
    "InlineData",
    "IrisData",
    "Lesson",
    "LessonStep",
    "Locks",
    "Migrations",
    "Note",
    "OptimizerState",
    "PlaygroundData",
    "Scene",
    "SceneError",
    "TrainedState",
    "TrainingSpec",
    "decode_array",
    "describe",
    "dumps_scene",
    "encode_array",
    "load_schema",
    "load_scene",
    "loads_scene",
    "make_dataset",
    "make_trainer",
    "migrate_document",
    "migration",
    "save_scene",
    "scene_from_trainer",
    "schema_path",
    "spec_of",
]
