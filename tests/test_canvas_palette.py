"""The layer palette: every engine layer type, grouped, with an icon, the summary and a drag payload."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


def test_palette_lists_every_engine_layer_grouped_with_icons_and_summaries(qtbot):
    from engine import LAYER_TYPES
    from simulator.canvas.mime import LAYER_MIME, type_from_mime
    from simulator.panels.palette import LayerPalette

    palette = LayerPalette()
    qtbot.addWidget(palette)
    assert set(palette.items) == set(LAYER_TYPES)
    groups = {palette.tree.topLevelItem(i).text(0) for i in range(palette.tree.topLevelItemCount())}
    assert {"Core", "Regularisation", "Merge", "Data"} <= groups
    assert palette.items["Dropout"].parent().text(0) == "Regularisation"
    for name, item in palette.items.items():
        assert not item.icon(0).isNull()
        assert LAYER_TYPES[name].summary in item.toolTip(0)
        mime = palette.mime_data(name)
        assert mime.hasFormat(LAYER_MIME) and type_from_mime(mime) == name
    with qtbot.waitSignal(palette.layer_requested) as blocker:
        palette.tree.itemDoubleClicked.emit(palette.items["Concat"], 0)
    assert blocker.args == ["Concat"]


def test_enter_on_a_palette_entry_requests_it(qtbot):
    from PySide6.QtCore import Qt

    from simulator.panels.palette import LayerPalette

    palette = LayerPalette()
    qtbot.addWidget(palette)
    palette.show()
    palette.tree.setCurrentItem(palette.items["Dropout"])
    with qtbot.waitSignal(palette.layer_requested) as blocker:
        qtbot.keyClick(palette.tree, Qt.Key.Key_Return)
    assert blocker.args == ["Dropout"]
