"""The example in docs/engine.md runs as printed and reaches the accuracies the page states."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "examples" / "xor_and_spiral.py"


def test_xor_and_spiral_example_reaches_its_stated_accuracies(capsys):
    module = runpy.run_path(str(EXAMPLE), run_name="docs_example")
    results = module["main"]()
    assert results["xor_train_accuracy"] == 1.0
    assert results["spiral_test_accuracy"] >= 0.95
    printed = capsys.readouterr().out
    assert "XOR after 2000 steps" in printed and "accuracy 100%" in printed
    assert "spiral after 500 epochs" in printed


def test_docs_page_shows_the_example_as_it_is():
    page = (EXAMPLE.parents[1] / "engine.md").read_text(encoding="utf-8")
    assert "examples/xor_and_spiral.py" in page
    last_block = page.rsplit("```python\n", 1)[1].split("```", 1)[0]
    assert last_block == EXAMPLE.read_text(encoding="utf-8")


def test_docs_page_snippets_run():
    page = (EXAMPLE.parents[1] / "engine.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in page.split("```python\n")[1:-1]]
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        if block.startswith("Trainer("):  # the signature, not code to run
            continue
        exec(compile(block, "docs/engine.md", "exec"), namespace)
