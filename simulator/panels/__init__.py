"""Side panels of the simulator: the layer palette, the inspector, the data and the training settings."""
