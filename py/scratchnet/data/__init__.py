"""What a network learns from: datasets, MNIST from its IDX files and the browser's bundle, the
playground's 2-D point sets, drawings turned into MNIST form, and random variants of training
images (augment)."""
