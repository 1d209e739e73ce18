"""Files a learner gives or takes: model files (read by a limit-checked npz reader), experiment
exports, and images for the command line."""
