"""Training: the settings and recipes, one run setup, the trainer (the loop), its events,
metrics, learning curves and activation statistics."""
