"""The maths, NumPy only: layers, activations, losses, convolutions, initializers, optimizers,
schedules, how a dense layer computes its products, gradient checking, and name registries.
What a learner reads first; it imports nothing else of ScratchNet."""
