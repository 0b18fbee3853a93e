"""The canvas's fonts, in pixel sizes so the canvas looks the same on every screen."""

from __future__ import annotations

from PySide6.QtGui import QFont


def font(pixels: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(pixels)
    f.setBold(bold)
    return f


TITLE_FONT, TEXT_FONT, SMALL_FONT = font(12, True), font(11), font(10)
