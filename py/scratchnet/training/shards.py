"""Data-parallel training: one definition of a step for any number of workers k.

A mini-batch of N examples is cut into k shards of consecutive rows, as equal as possible
(`shard_bounds`). Each shard's gradient is computed by the same NumPy layers as a one-worker
step (`shard_gradients`), and the shards' gradients are summed in shard order; the trainer then
regularises and steps as always (Trainer.apply_gradients). So k workers run the same run as one,
up to the float rounding of adding the same terms in another grouping:

    grads = sum over shards j = 0..k-1 of  sum over pieces p of shard j of  dL_p/dW * rows_p / N

A shard is computed in pieces cut exactly where the one-worker step cuts its micro-batches, so
that each example meets the same products in groups of the same rows.

Dropout: the masks are the same masks for any k. A one-worker step draws them from the run's
dropout stream, micro-batch by micro-batch and, within one, layer by layer (float32 uniforms, one
per unit). That fixes where every example's numbers sit in the stream, so a shard positions a copy
of the stream at its own place (`stream_at`, by PCG64's jump-ahead) and needs only the stream's
state at the start of the step; afterwards the run's stream stands where a one-worker step leaves
it. Augmentation happens before the batch is cut, on the whole batch, so it is unchanged too.

What it leaves out: moving shards between processes (app/ does that in the browser).
"""

import math

import numpy as np

from scratchnet.training import events as made


def shard_bounds(N, k):
    """[(start, stop)] of k shards of rows 0..N-1, consecutive, the first N % k one row longer.
    Never more shards than rows."""
    k = max(1, min(int(k), N))
    base, extra = divmod(N, k)
    bounds, start = [], 0
    for j in range(k):
        stop = start + base + (1 if j < extra else 0)
        bounds.append((start, stop))
        start = stop
    return bounds


def pieces(start, stop, N, micro_batch):
    """(a, b, m_start, m_rows) for rows a..b-1 of [start, stop): the rows cut where a one-worker
    step of N rows cuts its micro-batches; m_start and m_rows are the micro-batch they lie in."""
    a = start
    while a < stop:
        m_start = (a // micro_batch) * micro_batch
        m_rows = min(micro_batch, N - m_start)
        b = min(stop, m_start + m_rows)
        yield a, b, m_start, m_rows
        a = b


def dropout_layers(network):
    """[(layer, numbers per example)] of the dropout layers that draw masks, in forward order."""
    shape, found = network.input_shape, []
    for layer in network.layers:
        if getattr(layer, "rate", 0) > 0:
            found.append((layer, math.prod(shape)))
        shape = layer.output_shape(shape)
    return found


def stream_at(state, count):
    """A generator standing `count` float32 draws after the PCG64 `state` (a bit_generator.state
    dict): what a stream in that state gives after `count` numbers of rng.random(dtype=float32).
    Each float32 takes one 32-bit half of a 64-bit output, the low half first, and a left-over
    high half is kept for the next call (`has_uint32`)."""
    bits = np.random.PCG64()
    bits.state = state
    rng = np.random.Generator(bits)
    if count and state["has_uint32"]:
        rng.random(1, dtype=np.float32)  # the half kept over
        count -= 1
    if count:
        # Whole 64-bit outputs skipped, then the last one or two halves drawn, so that even the
        # state's stale half (`uinteger`) is what drawing them all leaves: checkpoints stay equal.
        bits.advance((count - 1) // 2)
        rng.random(2 - count % 2, dtype=np.float32)
    return rng


def shard_gradients(network, x, y, N, start, micro_batch, loss_fn, dropout_state=None):
    """The gradients of the rows start..start+len(y)-1 of a batch of N rows (x, y are those rows
    only), as parts of the batch's mean loss: a generator that yields "work" between pieces and
    returns (grads {name: array}, loss, correct). Without `dropout_state` dropout draws from its
    own stream in order (the one-worker step); with it, from the places a one-worker step would."""
    stop = start + len(y)
    layers = dropout_layers(network) if dropout_state is not None else []
    per_example = sum(units for _, units in layers)
    kept = [layer.rng for layer, _ in layers]
    grads, loss, correct = {}, 0.0, 0
    try:
        for a, b, m_start, m_rows in pieces(start, stop, N, micro_batch):
            before = 0
            for layer, units in layers:  # this piece's numbers, as the one-worker step draws them
                layer.rng = stream_at(dropout_state, m_start * per_example + m_rows * before + (a - m_start) * units)
                before += units
            xb, yb = x[a - start:b - start], y[a - start:b - start]
            logits = network.forward(xb, training=True)
            piece_loss, dlogits = loss_fn(logits, yb)
            share = len(yb) / N  # the batch's loss is the mean over all N examples
            network.backward(dlogits if share == 1 else dlogits * dlogits.dtype.type(share))
            for name, _, g in network.named_params():
                if name in grads:
                    grads[name] += g
                else:
                    grads[name] = g if share == 1 else g.copy()
            loss += piece_loss * share
            correct += int(np.sum(logits.argmax(axis=1) == yb))
            if b < stop:
                yield made.work("train")
    finally:
        for (layer, _), rng in zip(layers, kept):
            layer.rng = rng
    return grads, loss, correct


def dropout_state(network):
    """The state of the run's dropout stream (a dict), or None when no layer draws masks."""
    layers = dropout_layers(network)
    return layers[0][0].rng.bit_generator.state if layers else None


def finish_dropout(network, state, N):
    """Puts the run's dropout stream where a one-worker step of N rows leaves it."""
    layers = dropout_layers(network)
    if layers:
        per_example = sum(units for _, units in layers)
        layers[0][0].rng.bit_generator.state = stream_at(state, N * per_example).bit_generator.state


def add_up(results):
    """Sums [(grads, loss, correct)] of the shards in shard order: one (grads, loss, correct)."""
    grads = {name: g.copy() for name, g in results[0][0].items()}
    loss, correct = results[0][1], results[0][2]
    for more, more_loss, more_correct in results[1:]:
        for name, g in more.items():
            grads[name] += g
        loss += more_loss
        correct += more_correct
    return grads, loss, correct


def flatten(grads, names):
    """One float32 array of the gradients, in `names` order (to send between workers)."""
    return np.concatenate([np.asarray(grads[name], dtype=np.float32).ravel() for name in names])


def unflatten(flat, like):
    """{name: array} cut from `flat` in the order and shapes of `like` ({name: array})."""
    out, at = {}, 0
    for name, value in like.items():
        out[name] = np.asarray(flat[at:at + value.size], dtype=value.dtype).reshape(value.shape).copy()
        at += value.size
    if at != len(flat):
        raise ValueError(f"expected {at} gradient numbers, got {len(flat)}")
    return out
