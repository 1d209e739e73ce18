"""Convolutional layers: Conv2D, MaxPool2D and Flatten, in plain NumPy.

They follow the same protocol as the dense layer (see layers.py): forward keeps
what backward needs in `cache`, backward sets `grads` (fresh arrays every call)
and returns dL/dx. Images are batches shaped (N, C, H, W); the dtype of the
input is kept (float32 for training, float64 for gradient checks).

A convolution is turned into matrix products by im2col: every KH x KW patch of
the input becomes one column (or row) of a matrix, so that

    out[n, f, i, j] = b[f] + sum over c, u, v of W[f, c, u, v] * x[n, c, i + u, j + v]

is one product per image between the filters, reshaped to (F, C*KH*KW), and the
patches. How that product is written is the one place where speed shapes the
code: natively NumPy hands `@` to BLAS; inside Pyodide there is no BLAS, and an
einsum whose summed axis is long and contiguous in both operands beats `@`
(about 2x for the forward of a second conv layer, measured). FORMULATIONS holds
the measured choices; the maths is the same in each.

Not here: strides other than 1, dilation, groups, overlapping or average
pooling, batch normalisation.
"""

import sys

import numpy as np

_windows = np.lib.stride_tricks.sliding_window_view


def conv_init(filters, channels, kernel, rng, initializer="he", dtype=np.float32):
    """Initial (W, b) for a Conv2D: W (filters, channels, kernel, kernel), b zeros.

    Each output sums fan_in = channels * kernel^2 inputs, so the scales of init.py apply:
        he:      W ~ N(0, 2 / fan_in)
        xavier:  W ~ U(-a, a),  a = sqrt(6 / (fan_in + fan_out)),  fan_out = filters * kernel^2
    """
    fan_in, fan_out = channels * kernel * kernel, filters * kernel * kernel
    shape = (filters, channels, kernel, kernel)
    if initializer == "he":
        W = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    elif initializer == "xavier":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, size=shape)
    else:
        raise ValueError(f"unknown initializer {initializer!r}; choose one of he, xavier")
    return W.astype(dtype), np.zeros(filters, dtype)


# Each formulation: how patches are laid out, and the three products, with
# K = C*KH*KW (patch length), P = OH*OW (output positions), Wm = W as (F, K):
#   forward      out[n]  = Wm @ patches[n]               (F, P)
#   weight_grad  dW      = sum over n of dout[n] @ patches[n]^T   (F, K)
#   input_grad   dpatch[n] = Wm^T @ dout[n]              (K, P), then col2im
# "cols" stores patches (N, K, P), "rows" stores them transposed, (N, P, K).
FORMULATIONS = {
    "matmul": {  # BLAS: batched `@` everywhere
        "layout": "cols",
        "forward": lambda Wm, cols: Wm @ cols,
        "weight_grad": lambda dout, cols: (dout @ cols.transpose(0, 2, 1)).sum(axis=0),
        "input_grad": lambda Wm, dout: Wm.T @ dout,
    },
    "einsum-cols": {  # no BLAS, short patches: einsum sums over P, contiguous in both
        "layout": "cols",
        "forward": lambda Wm, cols: Wm @ cols,
        "weight_grad": lambda dout, cols: np.einsum("nfp,nkp->fk", dout, cols),
        "input_grad": lambda Wm, dout: Wm.T @ dout,
    },
    "einsum-rows": {  # no BLAS, long patches: einsum sums over K, contiguous in both
        "layout": "rows",
        "forward": lambda Wm, rows: np.einsum("fk,npk->nfp", Wm, rows),
        "weight_grad": lambda dout, rows: (dout @ rows).sum(axis=0),
        "input_grad": lambda Wm, dout: dout.transpose(0, 2, 1) @ Wm,  # stored as (N, P, K)
    },
}
# Inside Pyodide, patches at least this long use "einsum-rows". Measured in Node and headless
# Chromium at batch 16: for K = 144 and 400 its forward took about half the time of `@`; for
# K = 25 (a first layer) "einsum-cols" was faster as a whole.
LONG_PATCH = 100


def default_formulation(patch_length, platform=sys.platform):
    """The measured-fastest formulation for patches of `patch_length` = C*KH*KW."""
    if platform != "emscripten":
        return "matmul"
    return "einsum-rows" if patch_length >= LONG_PATCH else "einsum-cols"


def im2col(x, KH, KW, layout="cols"):
    """Patches of x (N, C, H, W): "cols" (N, C*KH*KW, OH*OW), or "rows" (N, OH*OW, C*KH*KW).

        cols[n, (c, u, v), (i, j)] = x[n, c, i + u, j + v]
    """
    N, C, H, W = x.shape
    OH, OW = H - KH + 1, W - KW + 1
    view = _windows(x, (KH, KW), axis=(2, 3))  # (N, C, OH, OW, KH, KW), no copy
    if layout == "cols":
        return np.ascontiguousarray(view.transpose(0, 1, 4, 5, 2, 3)).reshape(N, C * KH * KW, OH * OW)
    return np.ascontiguousarray(view.transpose(0, 2, 3, 1, 4, 5)).reshape(N, OH * OW, C * KH * KW)


def col2im(dpatches, shape, KH, KW, layout="cols"):
    """The adjoint of im2col: each input pixel sums the gradient of every patch holding it.

        dx[n, c, i + u, j + v] += dcols[n, (c, u, v), (i, j)]
    """
    N, C, H, W = shape
    OH, OW = H - KH + 1, W - KW + 1
    if layout == "cols":
        d = dpatches.reshape(N, C, KH, KW, OH, OW)
    else:
        d = dpatches.reshape(N, OH, OW, C, KH, KW).transpose(0, 3, 4, 5, 1, 2)
    dx = np.zeros(shape, dpatches.dtype)
    for u in range(KH):
        for v in range(KW):
            dx[:, :, u:u + OH, v:v + OW] += d[:, :, u, v]
    return dx


class Conv2D:
    """2-D convolution (cross-correlation, as in every framework), stride 1, with
    `padding` zeros on each side ("valid" when 0, "same" for odd KH when (KH - 1) / 2).

    Parameters: W (F, C, KH, KW), b (F,). Forward, with x zero-padded:
        patches = im2col(x)                      (N, K, P), K = C*KH*KW, P = OH*OW
        out[n]  = Wm patches[n] + b              (F, P),   Wm = W as (F, K)
    Forward caches the patches. Backward, given dout = dL/dout (N, F, OH, OW):
        db = sum over n, i, j of dout[n, :, i, j]            (F,)
        dW = sum over n of dout[n] patches[n]^T              (F, K), as (F, C, KH, KW)
        dx = col2im(Wm^T dout[n] for every n), unpadded      (N, C, H, W)
    """

    def __init__(self, W, b, name, padding=0, formulation=None):
        if W.ndim != 4 or b.shape != (W.shape[0],):
            raise ValueError(f"Conv2D needs W (F, C, KH, KW) and b (F,), got {W.shape} and {b.shape}")
        if formulation is not None and formulation not in FORMULATIONS:
            raise ValueError(f"unknown formulation {formulation!r}; choose one of {', '.join(FORMULATIONS)}")
        self.params = {"W": W, "b": b}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros_like(b)}
        self.name = name
        self.padding = int(padding)
        self.formulation = formulation or default_formulation(W[0].size)
        self.input_shape = None  # (C, H, W), known after output_shape() or forward()
        self.cache = None

    def output_shape(self, input_shape):
        """(C, H, W) -> (F, H + 2p - KH + 1, W + 2p - KW + 1)."""
        F, C, KH, KW = self.params["W"].shape
        C_in, H, W = input_shape
        OH, OW = H + 2 * self.padding - KH + 1, W + 2 * self.padding - KW + 1
        if C_in != C or OH < 1 or OW < 1:
            raise ValueError(f"{self.name}: input {tuple(input_shape)} does not fit filters {C}x{KH}x{KW}")
        self.input_shape = tuple(input_shape)
        return (F, OH, OW)

    def flops(self, input_shape):
        """Multiply-adds of the forward pass for one example."""
        F, OH, OW = self.output_shape(input_shape)
        return F * self.params["W"][0].size * OH * OW

    def forward(self, x, training=False):
        W, b = self.params["W"], self.params["b"]
        F, _, KH, KW = W.shape
        N = x.shape[0]
        _, OH, OW = self.output_shape(x.shape[1:])
        p = self.padding
        if p:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        how = FORMULATIONS[self.formulation]
        patches = im2col(x, KH, KW, how["layout"])
        out = how["forward"](W.reshape(F, -1), patches)
        out += b[:, None]
        self.cache = (patches, x.shape)
        return out.reshape(N, F, OH, OW)

    def backward(self, dout, need_dx=True):
        patches, padded_shape = self.cache
        W = self.params["W"]
        F, _, KH, KW = W.shape
        N = dout.shape[0]
        how = FORMULATIONS[self.formulation]
        dout = dout.reshape(N, F, -1)
        self.grads = {"W": how["weight_grad"](dout, patches).reshape(W.shape),
                      "b": dout.sum(axis=(0, 2))}
        if not need_dx:  # the first layer's dx would be the gradient for the pixels
            return None
        dx = col2im(how["input_grad"](W.reshape(F, -1), dout), padded_shape, KH, KW, how["layout"])
        p = self.padding
        return dx[:, :, p:-p, p:-p] if p else dx

    def named_params(self):
        """Yields (qualified name, value, gradient) for W and b."""
        for key, value in self.params.items():
            yield f"{self.name}.{key}", value, self.grads[key]

    def __repr__(self):
        F, C, KH, KW = self.params["W"].shape
        pad = f", padding {self.padding}" if self.padding else ""
        if self.input_shape is None:
            return f"Conv2D({self.name}: {C} -> {F} channels, {KH}x{KW}{pad})"
        shape_in = "x".join(map(str, self.input_shape))
        shape_out = "x".join(map(str, self.output_shape(self.input_shape)))
        return f"Conv2D({self.name}: {shape_in} -> {shape_out}, {KH}x{KW}{pad})"


class MaxPool2D:
    """Max over non-overlapping size x size windows (stride = size). When H or W is not
    a multiple of size, the last rows or columns that do not fill a window are dropped
    (floor), and get zero gradient.

        out[n, c, i, j] = max over a, b < s of x[n, c, i*s + a, j*s + b]
    Forward caches which window position held the max (the first one, on ties).
    Backward sends each dout[n, c, i, j] to that position only; the others get 0.
    """

    def __init__(self, size, name):
        if not 1 <= int(size) <= 16:  # window positions are stored as uint8
            raise ValueError(f"pool size must be 1-16, got {size}")
        self.size, self.name = int(size), name
        self.params, self.grads = {}, {}
        self.input_shape = None
        self.cache = None

    def output_shape(self, input_shape):
        C, H, W = input_shape
        if H < self.size or W < self.size:
            raise ValueError(f"{self.name}: input {tuple(input_shape)} is smaller than "
                             f"the {self.size}x{self.size} window")
        self.input_shape = tuple(input_shape)
        return (C, H // self.size, W // self.size)

    def flops(self, input_shape):
        """Comparisons of the forward pass for one example (about one per input)."""
        C, H, W = self.output_shape(input_shape)
        return C * H * W * self.size * self.size

    def _position(self, x, a, b, OH, OW):
        """The strided view of window position (a, b): x[:, :, i*s + a, j*s + b] for all i, j."""
        s = self.size
        return x[:, :, a:OH * s:s, b:OW * s:s]

    def forward(self, x, training=False):
        _, OH, OW = self.output_shape(x.shape[1:])
        s = self.size
        out = self._position(x, 0, 0, OH, OW).copy()
        argmax = np.zeros(out.shape, np.uint8)  # window position a*s + b of the max
        for k in range(1, s * s):
            candidate = self._position(x, *divmod(k, s), OH, OW)
            np.copyto(argmax, k, where=candidate > out)  # strictly greater: first max wins
            np.maximum(out, candidate, out=out)
        self.cache = (argmax, x.shape)
        return out

    def backward(self, dout):
        argmax, shape = self.cache
        _, OH, OW = dout.shape[1:]
        s = self.size
        dx = np.zeros(shape, dout.dtype)
        for k in range(s * s):
            np.multiply(dout, argmax == k, out=self._position(dx, *divmod(k, s), OH, OW))
        return dx

    def named_params(self):
        return iter(())

    def __repr__(self):
        return f"MaxPool2D({self.name}: {self.size}x{self.size})"


class Flatten:
    """(N, C, H, W) -> (N, C*H*W), in C order, so a Dense layer can follow; backward reshapes back."""

    def __init__(self, name="flatten"):
        self.name = name
        self.params, self.grads = {}, {}
        self.cache = None

    def output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def flops(self, input_shape):
        return 0

    def forward(self, x, training=False):
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.cache)

    def named_params(self):
        return iter(())

    def __repr__(self):
        return f"Flatten({self.name})"
