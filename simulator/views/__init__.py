"""The window's panels: each is a plain QWidget fed by the main window after every runner update."""
