"""The network canvas: layers, links and weights drawn from a ``SceneController``, edited by hand.

``CanvasView`` (a QGraphicsView: zoom, pan, fit, drop target) shows a ``GraphScene`` that mirrors the
controller. Edits made on the canvas go through the controller, which checks them with the engine;
the canvas redraws on the controller's signals.
"""

from simulator.canvas.scene import GraphScene
from simulator.canvas.view import CanvasView

__all__ = ["CanvasView", "GraphScene"]
