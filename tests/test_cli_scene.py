"""``nnsim train``, ``nnsim info`` and ``nnsim validate``: headless, plain text, honest exit codes."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np

from engine.scene import load_scene
from simulator.cli import ProgressBar, main

ROOT = Path(__file__).resolve().parents[1]
XOR = ROOT / "scenes" / "02-xor-hidden-layer.nnscene"
DIVERGES = ROOT / "scenes" / "05-learning-rate-too-high.nnscene"
TRAINED = ROOT / "scenes" / "11-trained-xor.nnscene"


def test_info_summarises_layers_parameters_and_data(capsys):
    assert main(["info", str(XOR)]) == 0
    out = capsys.readouterr().out
    assert "XOR needs a hidden layer" in out
    assert "total parameters: 17" in out
    assert "h1" in out and "Dense" in out
    assert "Playground 'xor'" in out and "250 training and 250 test samples" in out
    assert "loss mse, optimiser sgd" in out
    assert "6 steps" in out and "[run_steps]" in out
    assert "Untrained" in out


def test_info_on_a_trained_scene_says_what_is_stored(capsys):
    assert main(["info", str(TRAINED)]) == 0
    out = capsys.readouterr().out
    assert "Trained: 17 weights stored at step 2000" in out
    assert "history of 80 epochs" in out


def test_train_saves_a_scene_that_continues_the_same_run(tmp_path, capsys):
    out_path = tmp_path / "trained.nnscene"
    assert main(["train", str(XOR), "--steps", "60", "--out", str(out_path)]) == 0
    captured = capsys.readouterr()
    assert "trained 2 epochs (60 steps)" in captured.out
    assert "train  loss" in captured.out and "accuracy" in captured.out and "test   loss" in captured.out
    assert f"saved {out_path}" in captured.out
    assert "step 60/60 [" in captured.err and "100%" in captured.err
    saved = load_scene(out_path)
    assert saved.state.step == 60 and saved.state.history is not None
    direct = load_scene(XOR).make_trainer()
    direct.run(60)
    assert np.array_equal(saved.make_trainer().model.flat, direct.model.flat)


def test_train_by_epochs_prints_final_metrics(tmp_path, capsys):
    assert main(["train", str(XOR), "--epochs", "3", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "trained 3 epochs (75 steps)" in captured.out
    assert captured.err == ""


def test_training_a_trained_scene_goes_on_from_its_step(tmp_path, capsys):
    out_path = tmp_path / "more.nnscene"
    assert main(["train", str(TRAINED), "--epochs", "2", "--out", str(out_path), "-q"]) == 0
    assert load_scene(out_path).state.step == 2050


def test_train_over_its_own_file_keeps_a_backup(tmp_path, capsys):
    path = tmp_path / "xor.nnscene"
    shutil.copy(XOR, path)
    assert main(["train", str(path), "--steps", "5", "--out", str(path), "-q"]) == 0
    assert (tmp_path / "xor.nnscene.bak").read_bytes() == XOR.read_bytes()
    assert load_scene(path).state.step == 5


def test_divergence_is_reported_and_nothing_is_written(tmp_path, capsys):
    out_path = tmp_path / "never.nnscene"
    assert main(["train", str(DIVERGES), "--epochs", "5", "--out", str(out_path)]) == 1
    err = capsys.readouterr().err
    assert "training diverged at step" in err and "was not written" in err
    assert not out_path.exists()


def test_an_interrupted_run_saves_what_it_has(tmp_path, capsys, monkeypatch):
    from engine.trainer import Trainer

    real = Trainer.run_epochs
    calls = []

    def interrupt_second(self, n):
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(self, n)

    monkeypatch.setattr(Trainer, "run_epochs", interrupt_second)
    out_path = tmp_path / "partial.nnscene"
    assert main(["train", str(XOR), "--epochs", "10", "--out", str(out_path), "-q"]) == 130
    assert "interrupted after 1 epochs" in capsys.readouterr().out
    assert load_scene(out_path).state.epoch == 1


def test_train_errors(tmp_path, capsys):
    assert main(["train", str(tmp_path / "missing.nnscene"), "--epochs", "1"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["train", str(XOR)]) == 2
    assert "--epochs" in capsys.readouterr().err
    assert main(["train", str(XOR), "--epochs", "0"]) == 2
    assert main(["train", str(XOR), "--epochs", "1", "--steps", "3"]) == 2


def _broken(tmp_path: Path) -> Path:
    doc = json.loads(XOR.read_text(encoding="utf-8"))
    doc["network"]["nodes"][1]["layer"]["units"] = "four"
    path = tmp_path / "broken.nnscene"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_validate_passes_good_files(capsys):
    assert main(["validate", str(XOR), str(TRAINED)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"ok     {XOR}", f"ok     {TRAINED}"]


def test_validate_reports_every_bad_file_and_exits_1(tmp_path, capsys):
    folder = tmp_path / "students"
    folder.mkdir()
    shutil.copy(XOR, folder / "anna.nnscene")
    _broken(tmp_path).rename(folder / "ben.nnscene")
    (folder / "cleo.nnscene").write_text(XOR.read_text(encoding="utf-8")[:500], encoding="utf-8")
    (folder / "notes.txt").write_text("not a scene")
    doc = json.loads(XOR.read_text(encoding="utf-8"))
    doc["dataset"]["features"] = ["x1"]
    (folder / "dana.nnscene").write_text(json.dumps(doc), encoding="utf-8")
    assert main(["validate", str(folder)]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == f"ok     {folder / 'anna.nnscene'}"
    assert (
        lines[1] == f"error  {folder / 'ben.nnscene'}: $.network.nodes[1].layer.units: "
        "must be a whole number, not a string 'four'"
    )
    assert lines[2].startswith(f"error  {folder / 'cleo.nnscene'}: $: the file ends in the middle of a value")
    assert lines[3].startswith(
        f"error  {folder / 'dana.nnscene'}: $.network.nodes[0]: the network's Input takes 2"
    )
    assert len(lines) == 4
    assert "3 of 4 files have errors" in captured.err
    assert main(["validate", "--quiet", str(folder)]) == 1
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_validate_with_no_scene_files(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 1
    assert "no .nnscene files" in capsys.readouterr().err
    assert main(["validate"]) == 2


def test_info_on_a_broken_file(tmp_path, capsys):
    assert main(["info", str(_broken(tmp_path))]) == 1
    assert "$.network.nodes[1].layer.units" in capsys.readouterr().err


def test_progress_bar_redraws_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = ProgressBar(4, "epoch", stream)
    for k in range(1, 5):
        bar.update(k, 0.5, force=True)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n")
    assert "epoch 4/4 [" + "#" * 30 + "] 100%  loss 0.5" in text


def test_progress_bar_writes_a_line_per_tenth_to_a_log():
    stream = io.StringIO()
    bar = ProgressBar(1000, "step", stream)
    for k in range(1, 1001):
        bar.update(k)
    bar.update(1000, force=True)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # 0 % .. 100 %, each tenth once, no repeat of the last
    assert lines[-1].startswith("step 1000/1000")


def test_headless_commands_import_no_qt():
    script = textwrap.dedent(
        f"""
        import contextlib, io, sys
        from simulator.cli import main
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            codes = [main(["info", {str(XOR)!r}]), main(["validate", {str(XOR)!r}]),
                     main(["train", {str(XOR)!r}, "--steps", "3"])]
        print(codes, sorted(m for m in ("PySide6", "pyqtgraph", "torch") if m in sys.modules))
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[0, 0, 0] []"


def test_help_lists_the_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: nnsim")
    for command in ("train", "info", "validate"):
        assert command in out
