"""Looking names up in registries, with one way of refusing an unknown name.

Registries are plain dicts from a name (as it appears in settings, URLs, saved
files and the page's controls) to a class or function: activations,
initialisers, optimisers, schedules, layer types, recipes. `lookup` is the only
way the package reads them, so every unknown name is refused the same way.
"""


def lookup(registry, name, what):
    """registry[name], or ValueError naming the valid choices ("unknown optimizer 'x'; choose ...")."""
    if not isinstance(name, str) or name not in registry:
        raise ValueError(f"unknown {what} {name!r}; choose one of {', '.join(registry)}")
    return registry[name]
