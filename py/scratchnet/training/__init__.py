"""Training: the settings and recipes, one run setup, the trainer (the loop) and its resume state, its events,
metrics, learning curves and activation statistics."""
