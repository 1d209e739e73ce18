"""Learning-rate schedules: pure functions of the step number.

    constant:     lr(step) = learning_rate
    exponential:  lr(step) = learning_rate * decay_rate ** (step / decay_steps)

With decay_steps = batches per epoch, decay_rate is the factor applied per epoch,
smoothly (every step), which is how the UI and the recipes phrase it.
"""


def constant(step, learning_rate, **_):
    """The same learning rate at every step."""
    return learning_rate


def exponential(step, learning_rate, decay_rate=1.0, decay_steps=1, **_):
    """Learning rate multiplied by decay_rate every decay_steps steps (smoothly)."""
    return learning_rate * decay_rate ** (step / decay_steps)


SCHEDULES = {"constant": constant, "exponential": exponential}


def get_schedule(name):
    """The schedule function registered under `name`."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {', '.join(SCHEDULES)}")
    return SCHEDULES[name]
