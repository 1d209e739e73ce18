"""Training shared between a main worker and helpers through the bridge (app/shard_calls.py), with
the page's relaying done here as the page does it: the same run as one worker's, a failed helper's
step finished by the main worker, and auto's choice of how many workers train."""

import numpy as np
import pytest
from test_bridge import call, files, settings, started  # noqa: F401 (fixtures)

from scratchnet.app import current, shard_calls

RUN = {"train_size": 300, "epochs": 1, "hidden_sizes": [32, 16], "batch_size": 40, "seed": 3, "dropout": 0.2}


def weights():
    return {name: value.copy() for name, value in current.session().network.state().items()}


def train_shared(workers, fail_at=None):
    """Trains the current run to its end as the page does with helpers; returns the replies."""
    replies, step, results, data, local = [], 0, None, None, False
    while True:
        reply = call("shard_train", data=data, budget_ms=1000, workers=workers, cores=8, helpers=7, local=local, results=results)
        replies.append(reply)
        data, results, local = None, None, False
        if reply["pause"] == "shards":
            step += 1
            if step == fail_at:  # the helper died: the main worker computes the step's other shards
                pending = None
            else:
                pending = []
                for job in reply["jobs"]:
                    call("shard_setup", setup=reply["setup"])
                    pending.append(call("shard_gradients", data=job.pop("data").tobytes(), **job))
        elif reply["pause"] == "wait":
            if pending is None:
                local = True
            else:
                data = b"".join(answer["grads"].tobytes() for answer in pending)
                results = [{"loss": answer["loss"], "correct": answer["correct"]} for answer in pending]
        elif reply["finished"]:
            return replies


def epoch_event(replies):
    return next(e for r in replies for e in r["events"] if e["type"] == "epoch")


@pytest.mark.parametrize("workers,fail_at", [(2, None), (3, None), (3, 2)])
def test_shared_training_is_the_one_worker_run_up_to_rounding(started, workers, fail_at):  # noqa: F811
    assert call("new_training", config=settings(started, **RUN))["ok"]
    one = []
    while not one or not one[-1]["finished"]:
        one.append(call("train", budget_ms=1000))
    expected = weights()
    assert call("new_training", config=settings(started, **RUN))["ok"]
    replies = train_shared(workers, fail_at)
    assert {r["workers"] for r in replies} == {workers}
    assert sum(r["pause"] == "shards" for r in replies) == 8  # 300 / 40: 8 steps, each shared
    for name, value in weights().items():
        np.testing.assert_allclose(value, expected[name], rtol=1e-4, atol=1e-6, err_msg=name)
    assert epoch_event(replies)["test_accuracy"] == pytest.approx(epoch_event(one)["test_accuracy"], abs=0.002)
    progress = [e for r in replies for e in r["events"] if e["type"] == "progress"]
    assert sum(e["samples"] for e in progress) == 300 and all(e["samples_per_sec"] > 0 for e in progress)


def test_plain_calls_finish_a_shared_step_and_go_on_with_one_worker(started):  # noqa: F811
    assert call("new_training", config=settings(started, **RUN))["ok"]
    reply = call("shard_train", budget_ms=0, workers=2, cores=8, helpers=0)  # one step, then the deadline
    assert reply["pause"] is None and reply["workers"] == 1 and reply["wanted"] == 2  # no helper ready yet
    reply = call("shard_train", budget_ms=1000, workers=2, cores=8, helpers=1)
    assert reply["pause"] == "shards"  # a step waits for its helper ...
    stepped = call("step")  # ... and Step finishes it here
    assert [e["type"] for e in stepped["events"]] == ["progress"] and current.session().run.trainer.step == 2
    assert current.session().run.trainer.shards == 1


def test_auto_uses_the_cores_less_one_at_most_four_and_one_where_it_does_not_pay(started):  # noqa: F811
    cnn = "conv:16:5,maxpool:2,relu,conv:32:3,maxpool:2,relu,flatten"
    assert call("new_training", config=settings(started, layers=cnn, batch_size=64))["ok"]
    trainer = current.session().run.trainer
    assert trainer.batch_size * trainer.network.flops_per_example() >= shard_calls.AUTO_MIN_STEP
    assert [shard_calls.workers_for("auto", cores, trainer) for cores in (1, 2, 3, 16)] == [1, 1, 2, 4]
    assert shard_calls.workers_for(3, 2, trainer) == 3
    assert shard_calls.workers_for("auto", 16, trainer, code_in_use=True) == 1
    assert call("new_training", config=settings(started, hidden_sizes=[16], batch_size=8))["ok"]
    assert shard_calls.workers_for("auto", 16, current.session().run.trainer) == 1
