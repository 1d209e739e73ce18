"""Learning-rate schedules as pure functions of the step."""

import pytest

from scratchnet.schedules import constant, exponential, get_schedule


def test_exponential_decay_values():
    assert exponential(0, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.1)
    assert exponential(10, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.05)
    assert exponential(20, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.025)
    assert exponential(5, 0.1, decay_rate=0.5, decay_steps=10) == pytest.approx(0.1 * 0.5 ** 0.5)
    assert exponential(30, 0.01, decay_rate=0.8, decay_steps=15) == pytest.approx(0.01 * 0.64)


def test_exponential_with_rate_one_is_constant():
    assert exponential(1234, 0.3, decay_rate=1.0, decay_steps=7) == 0.3


def test_constant_schedule_ignores_the_step():
    assert constant(0, 0.2) == constant(99, 0.2) == 0.2


def test_get_schedule_by_name_and_unknown_names():
    assert get_schedule("exponential") is exponential
    with pytest.raises(ValueError, match="constant, exponential"):
        get_schedule("cosine")
