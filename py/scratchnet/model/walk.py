"""The one walk over a network's layers, forward and backward, with the intermediate
values on request. The network, the trainer (through it), the inspector's trace, the
spot check, the network views and the product timing all run this walk and no other.

    forward:   a_0 = x,   a_i = layer_i(a_{i-1}),   logits = a_n
    backward:  da_n = dlogits,   da_{i-1} = layer_i.backward(da_i)   (sets layer_i's grads)

The first layer's input gradient would be the gradient for the pixels, which nobody
needs: a first layer with parameters is asked not to compute it, and none is returned.
Not here: the loss (losses.py), normalisation (Network.normalize), updates (optimizers.py).
"""


def forward(layers, x, training=False, keep=False):
    """Runs x (N, ...) through `layers`; returns the last output (logits, (N, C)), or with
    `keep` every value on the way: [x, a_1, ..., logits] (one more than there are layers)."""
    values = [x]
    for layer in layers:
        x = layer.forward(x, training)
        if keep:
            values.append(x)
    return values if keep else x


def backward(layers, dlogits, keep=False):
    """Back-propagates dL/dlogits through `layers` (which ran forward last), setting every
    layer's grads. With `keep`, returns the gradient of each layer's input, da_{i-1} for
    layer i, in layer order, None for the first layer's (see the module docstring)."""
    grads = [None] * len(layers) if keep else None
    dout = dlogits
    for i in reversed(range(len(layers))):
        layer = layers[i]
        if i == 0 and layer.params:
            layer.backward(dout, need_dx=False)
        elif i == 0:
            layer.backward(dout)
        else:
            dout = layer.backward(dout)
            if keep:
                grads[i] = dout
    return grads
