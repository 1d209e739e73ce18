"""Teaching tools on top of the maths: exercises and their checker, the learner's own code,
the coach, the inspector's trace, equations and spot check, and the 2-D playground."""
