"""Read-only views into a network, in plain NumPy: what each hidden layer does with
one input, the first layer's weights as images, what a drawing reads as.

Probes never change the network or the run: they call forward without training
mode (so no dropout mask is drawn) and return plain data: numbers, lists and
arrays. The browser shows them; natively they are ordinary functions, so the
numbers the page shows can be tested in pytest.
"""

import numpy as np

from scratchnet.data.drawing import preprocess_stages
from scratchnet.nn.activations import Activation
from scratchnet.nn.layers import Dense, Dropout
from scratchnet.nn.losses import softmax
from scratchnet.training.metrics import most_confident_mistakes


def hidden_activations(network, x):
    """The output of every hidden activation layer for normalised inputs x (N, ...):
    a list of (N, units) arrays, or (N, channels, height, width) feature maps, input first."""
    return forward_with_hidden(network, x)[1]


def forward_with_hidden(network, x):
    """One forward pass that keeps what the hidden activation layers output on the way:
    (logits (N, C), [their outputs as in hidden_activations, input first])."""
    values = network.forward(x, keep=True)
    return values[-1], [a for layer, a in zip(network.layers, values[1:]) if isinstance(layer, Activation)]


def forward_in_training_mode(network, x, rng):
    """Logits of a forward pass as in training (dropout on), with masks drawn from `rng`,
    never from the run's own dropout stream, so that looking changes nothing in the run."""
    dropouts = [layer for layer in network.layers if isinstance(layer, Dropout)]
    own = [layer.rng for layer in dropouts]
    for layer in dropouts:
        layer.rng = rng
    try:
        return network.forward(x, training=True)
    finally:
        for layer, generator in zip(dropouts, own):
            layer.rng = generator


def classify_image(network, image):
    """What `network` reads in one raw example (e.g. a 28x28 image in [0, 1]):
    {"digit", "probabilities" (C,), "hidden" [activations per layer]}."""
    x = network.normalize(np.asarray(image, dtype=np.float32)[None])
    hidden = hidden_activations(network, x)
    probabilities = softmax(network.forward(x))[0].astype(np.float64)
    return {"digit": int(probabilities.argmax()), "probabilities": probabilities,
            "hidden": [h[0] for h in hidden]}


def classify_drawing(network, ink):
    """A drawing (2-D ink in [0, 1], any size) read the way MNIST was made:
    {"image" (28x28 what the network sees), "digit", "probabilities", "hidden", "stages"
    (preprocess_stages' steps, and "standardized": the image as the network receives it)}.
    Raises preprocess.EmptyDrawingError for an empty or almost empty pad."""
    stages = preprocess_stages(ink)
    image = stages.pop("image")
    stages["standardized"] = network.normalize(image[None])[0].reshape(image.shape)
    return {"image": image, **classify_image(network, image), "stages": stages}


def first_layer_images(network, max_units):
    """Each of the first `max_units` units of the first layer with weights, as an image
    of its incoming weights scaled to [-1, 1] by its own largest magnitude:
    {"units": how many there are, "images": (k, H, W) float32, "filter": None for a dense layer,
    else {"height", "width", "channels"} of the convolution's filters (the images show channel 0)}."""
    layer = network.param_layers()[0]
    W = layer.params["W"]
    if isinstance(layer, Dense):  # (D, M): unit j's weights are column j, an image of the input
        shown = W[:, :max_units].T.reshape(-1, *network.sample_shape[-2:]) if len(network.sample_shape) >= 2 \
            else W[:, :max_units].T
        units = W.shape[1]
        kernel = None
    else:  # a convolution's filters (F, C, KH, KW): the first channel of each
        shown, units = W[:max_units, 0], W.shape[0]
        kernel = {"height": int(W.shape[2]), "width": int(W.shape[3]), "channels": int(W.shape[1])}
    flat = shown.reshape(len(shown), -1)
    scaled = flat / np.maximum(np.abs(flat).max(axis=1, keepdims=True), 1e-12)
    return {"units": int(units), "images": scaled.reshape(shown.shape).astype(np.float32), "filter": kernel}


def mistakes(probabilities, x_raw, labels, count):
    """The `count` most confidently misclassified examples:
    [{"index", "label", "predicted", "confidence", "pixels"}]."""
    return examples(probabilities, x_raw, labels, most_confident_mistakes(probabilities, labels, int(count)))


def examples(probabilities, x_raw, labels, indices):
    """The examples at `indices`, each as {"index", "label", "predicted", "confidence", "pixels"}."""
    return [{"index": int(i), "label": int(labels[i]), "predicted": int(probabilities[i].argmax()),
             "confidence": float(probabilities[i].max()), "pixels": x_raw[i]} for i in indices]
