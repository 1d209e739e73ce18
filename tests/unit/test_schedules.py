"""Learning-rate schedules as pure functions of the step."""

import pytest

from scratchnet.nn.schedules import exponential


def test_exponential_decay_values():
    assert exponential(0, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.1)
    assert exponential(10, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.05)
    assert exponential(20, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.025)
    assert exponential(5, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.1 * 0.5 ** 0.5)
    assert exponential(30, 0.01, decay_rate=0.8, decay_steps=15) == pytest.approx(0.01 * 0.64)


def test_exponential_with_rate_one_is_constant():
    assert exponential(1234, 0.3, decay_rate=1.0, decay_steps=7) == 0.3
