"""Learning-rate schedules: pure functions of the step number.

    exponential:  lr(step) = learning_rate * decay_rate ** (step / decay_steps)

With decay_steps = batches per epoch, decay_rate is the factor applied per epoch,
smoothly (every step), which is how the settings and the recipes phrase it; a
decay_rate of 1 is a constant learning rate.
"""


def exponential(step, learning_rate, decay_rate=1.0, decay_steps=1):
    """Learning rate multiplied by decay_rate every decay_steps steps (smoothly)."""
    return learning_rate * decay_rate ** (step / decay_steps)
