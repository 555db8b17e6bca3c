"""Chapter 1 graded fairly: other correct answers keep every point (one of each warns or
prints on stderr), plausible wrong ones and the shortcuts through the course's own code
earn none, with a message naming the mistake."""

from __future__ import annotations

from pathlib import Path

from answers import SHORTCUT, Exercise, Right, Wrong, assert_fair

ASSIGNMENT = "01-convnet-basics"

EXERCISES = {
    "conv2d": Exercise(
        "test_conv2d",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    image = np.pad(image.astype(float), padding)\n"
                "    kernel = kernel.astype(float)\n"
                "    out_h = (image.shape[0] - kernel.shape[0]) // stride + 1\n"
                "    out_w = (image.shape[1] - kernel.shape[1]) // stride + 1\n"
                "    out = np.zeros((out_h, out_w))\n"
                "    for i in range(out_h):\n"
                "        for j in range(out_w):\n"
                "            window = image[i * stride : i * stride + kernel.shape[0], j * stride : j * stride + "
                "kernel.shape[1]]\n"
                "            out[i, j] = (window * kernel).sum()\n"
                "    return out"
            ),
            Right(  # every window at once, then one tensor contraction
                "from numpy.lib.stride_tricks import sliding_window_view\n\n"
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    padded = np.pad(np.asarray(image, dtype=np.float64), ((padding, padding), (padding, padding)))\n"
                "    windows = sliding_window_view(padded, np.shape(kernel))[::stride, ::stride]\n"
                "    return np.tensordot(windows, np.asarray(kernel, dtype=np.float64), axes=([2, 3], [0, 1]))"
            ),
            Right(  # Keras's convolution in float32, on the zero-padded image
                "import warnings\n\n"
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    warnings.warn('conv2d: computing with keras.ops.conv in float32', UserWarning)\n"
                "    padded = np.pad(np.asarray(image, dtype='float32'), padding)\n"
                "    k = np.asarray(kernel, dtype='float32')\n"
                "    out = keras.ops.conv(padded[None, :, :, None], k[:, :, None, None], strides=stride)\n"
                "    return keras.ops.convert_to_numpy(out)[0, :, :, 0]",
                prints="computing with keras.ops.conv",
            ),
            Right(  # one strided slice of the image per kernel weight
                "import sys\n\n"
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    print('conv2d: summing shifted slices, one per weight', file=sys.stderr)\n"
                "    x = np.pad(np.asarray(image, dtype=float), padding)\n"
                "    k = np.asarray(kernel, dtype=float)\n"
                "    rows = (x.shape[0] - k.shape[0]) // stride + 1\n"
                "    cols = (x.shape[1] - k.shape[1]) // stride + 1\n"
                "    out = np.zeros((rows, cols))\n"
                "    for a in range(k.shape[0]):\n"
                "        for b in range(k.shape[1]):\n"
                "            out += k[a, b] * x[a : a + stride * (rows - 1) + 1 : stride, b : b + stride * (cols - 1) "
                "+ 1 : stride]\n"
                "    return out",
                prints="summing shifted slices",
            ),
        ],
        wrong=[
            Wrong(  # pads one side only: the visible shapes are right, the values are not
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    padded = np.pad(np.asarray(image, dtype=float), (0, 2 * padding))\n"
                "    kh, kw = kernel.shape\n"
                "    rows = range(0, padded.shape[0] - kh + 1, stride)\n"
                "    cols = range(0, padded.shape[1] - kw + 1, stride)\n"
                "    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])",
                "every side",
            ),
            Wrong(  # the columns counted from the height: right on square images only
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    padded = np.pad(np.asarray(image, dtype=float), padding)\n"
                "    kh, kw = kernel.shape\n"
                "    rows = range(0, padded.shape[0] - kh + 1, stride)\n"
                "    cols = range(0, padded.shape[0] - kw + 1, stride)\n"
                "    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])",
                "non-square",
            ),
            Wrong(  # keeps the image's integer dtype
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    padded = np.pad(image, padding)\n"
                "    kh, kw = kernel.shape\n"
                "    rows = range(0, padded.shape[0] - kh + 1, stride)\n"
                "    cols = range(0, padded.shape[1] - kw + 1, stride)\n"
                "    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])",
                "float array",
            ),
            Wrong(  # floats only at the end: uint8 products have wrapped around already
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    padded = np.pad(image, padding)\n"
                "    kh, kw = kernel.shape\n"
                "    rows = range(0, padded.shape[0] - kh + 1, stride)\n"
                "    cols = range(0, padded.shape[1] - kw + 1, stride)\n"
                "    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows], "
                "dtype=float)",
                "wraps around",
            ),
            Wrong(  # the mathematician's convolution: flips the kernel
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    padded = np.pad(np.asarray(image, dtype=float), padding)\n"
                "    kernel = np.flip(np.asarray(kernel, dtype=float))\n"
                "    kh, kw = kernel.shape\n"
                "    rows = range(0, padded.shape[0] - kh + 1, stride)\n"
                "    cols = range(0, padded.shape[1] - kw + 1, stride)\n"
                "    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])",
                "without flipping",
            ),
            Wrong(  # stops one window early
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    padded = np.pad(np.asarray(image, dtype=float), padding)\n"
                "    kh, kw = kernel.shape\n"
                "    rows = range(0, padded.shape[0] - kh, stride)\n"
                "    cols = range(0, padded.shape[1] - kw, stride)\n"
                "    return np.array([[np.sum(padded[r:r + kh, c:c + kw] * kernel) for c in cols] for r in rows])",
                "5 x 5 positions",
            ),
            Wrong(
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    return np.asarray(convolution.feature_map(image, kernel, stride, padding), dtype=float)",
                SHORTCUT,
            ),
            Wrong(  # the course's stand-in, which the lesson goes on with where an answer is missing
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    return stand_ins.conv2d(image, kernel, stride, padding)",
                SHORTCUT,
            ),
            Wrong(  # the lesson's fallback taken as the answer: graded, it is the blank answer alone
                "def conv2d(image, kernel, stride=1, padding=0):\n"
                "    raise NotImplementedError\n\n\n"
                'conv2d = stand_ins.yours("conv2d")',
                "NotImplementedError",
            ),
        ],
    ),
    "output_size": Exercise(
        "test_output_size",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return int((n + 2 * padding - kernel_size) / stride) + 1"
            ),
            Right(  # counts the window's starts
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return len(range(0, n + 2 * padding - kernel_size + 1, stride))"
            ),
            Right(
                "import math\nimport warnings\n\n"
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    warnings.warn('output_size: rounding down with math.floor', UserWarning)\n"
                "    return math.floor((n + 2 * padding - kernel_size) / stride) + 1",
                prints="rounding down with math.floor",
            ),
            Right(  # ceil((m + 1) / s) is floor(m / s) + 1, in NumPy integers
                "import sys\n\n"
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    print('output_size: NumPy integer division', file=sys.stderr)\n"
                "    return np.floor_divide(np.int64(n + 2 * padding - kernel_size + stride), stride)",
                prints="NumPy integer division",
            ),
        ],
        wrong=[
            Wrong(  # rounds up instead of down: right on the lecture's examples
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    import math\n"
                "    return math.ceil((n + 2 * padding - kernel_size) / stride) + 1",
                "round down",
            ),
            Wrong(  # rounds to the nearest (Python rounds 2.5 to 2): right on every example but one
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return round((n + 2 * padding - kernel_size) / stride) + 1",
                "round down",
            ),
            Wrong(  # adds the padding after dividing by the stride: right at stride 1
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return (n - kernel_size) // stride + 1 + 2 * padding",
                "padding on both sides",
            ),
            Wrong(  # padding counted on one side only
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return (n + padding - kernel_size) // stride + 1",
                "on each side",
            ),
            Wrong(  # stride and padding swapped in the signature: right when called by keyword
                "def output_size(n, kernel_size, padding=0, stride=1):\n"
                "    return (n + 2 * padding - kernel_size) // stride + 1",
                "order",
            ),
            Wrong(  # a float
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return np.floor((n + 2 * padding - kernel_size) / stride) + 1",
                "integer",
            ),
            Wrong(
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return convolution.feature_map(np.zeros((n, n)), np.zeros((kernel_size, kernel_size)), stride, "
                "padding).shape[0]",
                SHORTCUT,
            ),
            Wrong(
                "def output_size(n, kernel_size, stride=1, padding=0):\n"
                "    return convolution.pooled(np.zeros((n + 2 * padding,) * 2), kernel_size, stride).shape[0]",
                SHORTCUT,
            ),
        ],
    ),
    "conv_layer": Exercise(
        "test_conv_layer",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    maps = []\n"
                "    for f in range(kernels.shape[3]):\n"
                "        total = 0\n"
                "        for c in range(x.shape[2]):\n"
                "            total = total + conv2d(x[:, :, c], kernels[:, :, c, f], stride, padding)\n"
                "        maps.append(total + biases[f])\n"
                "    return np.stack(maps, axis=-1)"
            ),
            Right(  # all windows of all channels, one einsum
                "from numpy.lib.stride_tricks import sliding_window_view\n\n"
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    x = np.pad(np.asarray(x, dtype=float), ((padding, padding), (padding, padding), (0, 0)))\n"
                "    kh, kw = kernels.shape[:2]\n"
                "    windows = sliding_window_view(x, (kh, kw), axis=(0, 1))[::stride, ::stride]  # (rows, cols, "
                "channels, kh, kw)\n"
                "    return np.einsum('ijcab,abcf->ijf', windows, np.asarray(kernels, dtype=float)) + "
                "np.asarray(biases, dtype=float)"
            ),
            Right(  # a Keras Conv2D given the weights, on the zero-padded input
                "import warnings\n\n"
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    warnings.warn('conv_layer: delegating to keras.layers.Conv2D', UserWarning)\n"
                "    padded = np.pad(np.asarray(x, dtype='float32'), ((padding, padding), (padding, padding), (0, "
                "0)))\n"
                "    layer = keras.layers.Conv2D(kernels.shape[-1], kernels.shape[:2], strides=stride)\n"
                "    layer.build((None, *padded.shape))\n"
                "    layer.set_weights([np.asarray(kernels, dtype='float32'), np.asarray(biases, dtype='float32')])\n"
                "    return keras.ops.convert_to_numpy(layer(padded[None]))[0]",
                prints="delegating to keras.layers.Conv2D",
            ),
            Right(  # the student's conv2d, into an array sized with output_size
                "import sys\n\n"
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    print('conv_layer: filling the maps one kernel at a time', file=sys.stderr)\n"
                "    kh, kw, channels, count = kernels.shape\n"
                "    out = np.zeros((output_size(x.shape[0], kh, stride, padding), output_size(x.shape[1], kw, stride, "
                "padding), count))\n"
                "    for f in range(count):\n"
                "        out[:, :, f] = biases[f]\n"
                "        for c in range(channels):\n"
                "            out[:, :, f] += conv2d(x[:, :, c], kernels[:, :, c, f], stride=stride, padding=padding)\n"
                "    return out",
                prints="one kernel at a time",
            ),
        ],
        wrong=[
            Wrong(  # forgets to pass stride and padding on
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    return np.stack([sum(conv2d(x[:, :, c], kernels[:, :, c, f]) for c in range(x.shape[-1])) + "
                "biases[f]\n"
                "                     for f in range(kernels.shape[-1])], axis=-1)",
                "stride and padding",
            ),
            Wrong(  # transposes: (width, height, kernels), right on square inputs
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    maps = [sum(conv2d(x[:, :, c], kernels[:, :, c, f], stride, padding) for c in range(x.shape[-1])) "
                "+ biases[f]\n"
                "            for f in range(kernels.shape[-1])]\n"
                "    return np.array(maps).T",
                "last axis",
            ),
            Wrong(  # an output array of the input's dtype: uint8 images wrap and truncate
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    first = conv2d(x[:, :, 0], kernels[:, :, 0, 0], stride, padding)\n"
                "    out = np.zeros(first.shape + (kernels.shape[-1],), dtype=x.dtype)\n"
                "    for f in range(kernels.shape[-1]):\n"
                "        with np.errstate(invalid='ignore'):\n"
                "            out[:, :, f] = sum(conv2d(x[:, :, c], kernels[:, :, c, f], stride, padding) for c in "
                "range(x.shape[-1])) + biases[f]\n"
                "    return out",
                "in floats",
            ),
            Wrong(  # the bias added for every input channel
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    return np.stack([sum(conv2d(x[:, :, c], kernels[:, :, c, f], stride, padding) + biases[f] for c "
                "in range(x.shape[-1]))\n"
                "                     for f in range(kernels.shape[-1])], axis=-1)",
                "Conv2D",
            ),
            Wrong(  # strides by subsampling a map computed without the padding
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    return np.stack([sum(conv2d(x[:, :, c], kernels[:, :, c, f]) for c in "
                "range(x.shape[-1]))[::stride, ::stride] + biases[f]\n"
                "                     for f in range(kernels.shape[-1])], axis=-1)",
                "pass stride and padding",
            ),
            Wrong(
                "def conv_layer(x, kernels, biases, stride=1, padding=0):\n"
                "    return np.stack([sum(convolution.feature_map(x[:, :, c], kernels[:, :, c, f], stride, padding) "
                "for c in range(x.shape[-1]))\n"
                "                     + biases[f] for f in range(kernels.shape[-1])], axis=-1)",
                SHORTCUT,
            ),
        ],
    ),
    "max_pool": Exercise(
        "test_max_pool",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def max_pool(x, size=2, stride=None):\n"
                "    if stride is None:\n"
                "        stride = size\n"
                "    h, w = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1\n"
                "    out = np.zeros((h, w, x.shape[2]))\n"
                "    for i in range(h):\n"
                "        for j in range(w):\n"
                "            for c in range(x.shape[2]):\n"
                "                out[i, j, c] = x[i * stride : i * stride + size, j * stride : j * stride + size, "
                "c].max()\n"
                "    return out"
            ),
            Right(
                "from numpy.lib.stride_tricks import sliding_window_view\n\n"
                "def max_pool(x, size=2, stride=None):\n"
                "    stride = size if stride is None else stride\n"
                "    windows = sliding_window_view(np.asarray(x, dtype=float), (size, size), axis=(0, 1))[::stride, "
                "::stride]\n"
                "    return windows.max(axis=(-2, -1))"
            ),
            Right(
                "import warnings\n\n"
                "def max_pool(x, size=2, stride=None):\n"
                "    warnings.warn('max_pool: keras.ops.max_pool in float32', UserWarning)\n"
                "    out = keras.ops.max_pool(np.asarray(x, dtype='float32')[None], size, strides=stride or size)\n"
                "    return keras.ops.convert_to_numpy(out)[0]",
                prints="keras.ops.max_pool in float32",
            ),
            Right(  # channel by channel, window by window
                "import sys\n\n"
                "def max_pool(x, size=2, stride=None):\n"
                "    print('max_pool: one channel at a time', file=sys.stderr)\n"
                "    stride = stride or size\n"
                "    h, w, c = np.shape(x)\n"
                "    out = np.empty(((h - size) // stride + 1, (w - size) // stride + 1, c))\n"
                "    for ch in range(c):\n"
                "        for i in range(out.shape[0]):\n"
                "            for j in range(out.shape[1]):\n"
                "                out[i, j, ch] = np.max(x[i * stride : i * stride + size, j * stride : j * stride + "
                "size, ch])\n"
                "    return out",
                prints="one channel at a time",
            ),
        ],
        wrong=[
            Wrong(  # starts each maximum at 0 and ignores the stride
                "def max_pool(x, size=2, stride=None):\n"
                "    h, w, c = x.shape\n"
                "    out = np.zeros((h // size, w // size, c))\n"
                "    for i in range(h // size):\n"
                "        for j in range(w // size):\n"
                "            out[i, j] = np.maximum(0, x[i * size:(i + 1) * size, j * size:(j + 1) * "
                "size].max(axis=(0, 1)))\n"
                "    return out",
                "negative values",
            ),
            Wrong(  # stride 2 whenever none is given, whatever the size
                "def max_pool(x, size=2, stride=None):\n"
                "    stride = stride or 2\n"
                "    rows = range(0, x.shape[0] - size + 1, stride)\n"
                "    cols = range(0, x.shape[1] - size + 1, stride)\n"
                "    return np.array([[x[r:r + size, c:c + size].max(axis=(0, 1)) for c in cols] for r in rows])",
                "stride = size",
            ),
            Wrong(  # one maximum over all the channels
                "def max_pool(x, size=2, stride=None):\n"
                "    stride = stride or size\n"
                "    rows = range(0, x.shape[0] - size + 1, stride)\n"
                "    cols = range(0, x.shape[1] - size + 1, stride)\n"
                "    return np.array([[np.full(x.shape[-1], x[r:r + size, c:c + size].max()) for c in cols] for r in "
                "rows])",
                "each channel separately",
            ),
            Wrong(  # ignores the stride argument
                "def max_pool(x, size=2, stride=None):\n"
                "    rows = range(0, x.shape[0] - size + 1, size)\n"
                "    cols = range(0, x.shape[1] - size + 1, size)\n"
                "    return np.array([[x[r:r + size, c:c + size].max(axis=(0, 1)) for c in cols] for r in rows])",
                "moved by the stride",
            ),
            Wrong(  # keeps the partial windows at the edges (Keras's padding='same')
                "def max_pool(x, size=2, stride=None):\n"
                "    stride = stride or size\n"
                "    rows = range(0, x.shape[0], stride)\n"
                "    cols = range(0, x.shape[1], stride)\n"
                "    return np.array([[x[r:r + size, c:c + size].max(axis=(0, 1)) for c in cols] for r in rows])",
                "2x2x1",
            ),
            Wrong(
                "def max_pool(x, size=2, stride=None):\n"
                "    return np.stack([convolution.pooled(x[:, :, c], size, stride) for c in range(x.shape[-1])], "
                "axis=-1)",
                SHORTCUT,
            ),
        ],
    ),
    "average_pool": Exercise(
        "test_average_pool",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def average_pool(x, size=2, stride=None):\n"
                "    if stride is None:\n"
                "        stride = size\n"
                "    h, w = (x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1\n"
                "    out = np.zeros((h, w, x.shape[2]))\n"
                "    for i in range(h):\n"
                "        for j in range(w):\n"
                "            for c in range(x.shape[2]):\n"
                "                out[i, j, c] = x[i * stride : i * stride + size, j * stride : j * stride + size, "
                "c].mean()\n"
                "    return out"
            ),
            Right(
                "from numpy.lib.stride_tricks import sliding_window_view\n\n"
                "def average_pool(x, size=2, stride=None):\n"
                "    stride = size if stride is None else stride\n"
                "    windows = sliding_window_view(np.asarray(x, dtype=float), (size, size), axis=(0, 1))[::stride, "
                "::stride]\n"
                "    return windows.mean(axis=(-2, -1))"
            ),
            Right(
                "import warnings\n\n"
                "def average_pool(x, size=2, stride=None):\n"
                "    warnings.warn('average_pool: keras.ops.average_pool in float32', UserWarning)\n"
                "    out = keras.ops.average_pool(np.asarray(x, dtype='float32')[None], size, strides=stride or size)\n"
                "    return keras.ops.convert_to_numpy(out)[0]",
                prints="keras.ops.average_pool in float32",
            ),
            Right(  # a sum over the window, divided by its size * size pixels
                "import sys\n\n"
                "def average_pool(x, size=2, stride=None):\n"
                "    print('average_pool: sums divided by size * size', file=sys.stderr)\n"
                "    stride = stride or size\n"
                "    x = np.asarray(x, dtype=np.float64)\n"
                "    rows = range(0, x.shape[0] - size + 1, stride)\n"
                "    cols = range(0, x.shape[1] - size + 1, stride)\n"
                "    return np.array([[x[r:r + size, c:c + size].sum(axis=(0, 1)) / size**2 for c in cols] for r in "
                "rows])",
                prints="sums divided by size * size",
            ),
        ],
        wrong=[
            Wrong(  # averages over the wrong axes: height and channels
                "def average_pool(x, size=2, stride=None):\n"
                "    h, w, c = x.shape\n"
                "    rows = [x[i * size:(i + 1) * size].mean(axis=(0, 2)) for i in range(h // size)]\n"
                "    return np.stack([np.stack([r[j * size:(j + 1) * size].mean() for j in range(w // size)]) for r in "
                "rows])[..., None] * np.ones(c)",
                "each channel",
            ),
            Wrong(  # an output of the input's dtype: means of uint8 pixels truncated
                "def average_pool(x, size=2, stride=None):\n"
                "    stride = stride or size\n"
                "    rows = range(0, x.shape[0] - size + 1, stride)\n"
                "    cols = range(0, x.shape[1] - size + 1, stride)\n"
                "    out = np.zeros((len(rows), len(cols), x.shape[-1]), dtype=x.dtype)\n"
                "    for i, r in enumerate(rows):\n"
                "        for j, c in enumerate(cols):\n"
                "            out[i, j] = x[r:r + size, c:c + size].mean(axis=(0, 1))\n"
                "    return out",
                "in floats",
            ),
            Wrong(  # stride 2 whenever none is given
                "def average_pool(x, size=2, stride=None):\n"
                "    stride = stride or 2\n"
                "    rows = range(0, x.shape[0] - size + 1, stride)\n"
                "    cols = range(0, x.shape[1] - size + 1, stride)\n"
                "    return np.array([[x[r:r + size, c:c + size].mean(axis=(0, 1)) for c in cols] for r in rows])",
                "stride = size",
            ),
            Wrong(  # divides by the side, not by the number of pixels
                "def average_pool(x, size=2, stride=None):\n"
                "    stride = stride or size\n"
                "    rows = range(0, x.shape[0] - size + 1, stride)\n"
                "    cols = range(0, x.shape[1] - size + 1, stride)\n"
                "    return np.array([[x[r:r + size, c:c + size].sum(axis=(0, 1)) / size for c in cols] for r in "
                "rows])",
                "average pooling of the lecture",
            ),
            Wrong(  # ignores the stride argument
                "def average_pool(x, size=2, stride=None):\n"
                "    rows = range(0, x.shape[0] - size + 1, size)\n"
                "    cols = range(0, x.shape[1] - size + 1, size)\n"
                "    return np.array([[x[r:r + size, c:c + size].mean(axis=(0, 1)) for c in cols] for r in rows])",
                "moved by the stride",
            ),
            Wrong(
                "def average_pool(x, size=2, stride=None):\n"
                "    return np.stack([convolution.pooled(x[:, :, c], size, stride, mode='average') for c in "
                "range(x.shape[-1])], axis=-1)",
                SHORTCUT,
            ),
        ],
    ),
    "flatten_size": Exercise(
        "test_flatten_size",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def flatten_size(image_size):\n"
                "    n = image_size\n"
                "    for _ in range(4):\n"
                "        n = output_size(n, 3)\n"
                "        n = output_size(n, 2, 2)\n"
                "    return n * n * 128"
            ),
            # four floor divisions by 2 are one floor division by 16: ((n - 2) // 2 - 2) // 2 ... = (n - 30) // 16
            Right("def flatten_size(image_size):\n    return ((image_size - 30) // 16) ** 2 * 128"),
            Right(
                "import warnings\n\n"
                "def flatten_size(image_size):\n"
                "    warnings.warn('flatten_size: four conv + pool stages', UserWarning)\n"
                "    n = image_size\n"
                "    for _ in range(4):\n"
                "        n = (n - 2) // 2\n"
                "    return n * n * 128",
                prints="four conv + pool stages",
            ),
            Right(  # Keras computes it, from the lecture's layers written out
                "import sys\n\n"
                "def flatten_size(image_size):\n"
                "    print('flatten_size: asking Keras', file=sys.stderr)\n"
                "    layers = [keras.Input((image_size, image_size, 3))]\n"
                "    for filters in (32, 64, 128, 128):\n"
                "        layers += [keras.layers.Conv2D(filters, 3, activation='relu'), keras.layers.MaxPooling2D(2)]\n"
                "    return int(keras.Sequential(layers + [keras.layers.Flatten()]).output_shape[-1])",
                prints="asking Keras",
            ),
        ],
        wrong=[
            Wrong(  # n // 16 - 2: right at the lecture's 150 px, wrong when n % 16 is 14 or 15 (142 px)
                "def flatten_size(image_size):\n    return (image_size // 16 - 2) ** 2 * 128",
                "142x142",
            ),
            Wrong("def flatten_size(image_size):\n    return 6272", "128x128"),  # the summary's number
            Wrong(  # a float
                "def flatten_size(image_size):\n    return np.floor((image_size - 30) / 16) ** 2 * 128",
                "integer",
            ),
            Wrong(  # pooling rounds up
                "def flatten_size(image_size):\n"
                "    n = image_size\n"
                "    for _ in range(4):\n"
                "        n = -(-(n - 2) // 2)\n"
                "    return n * n * 128",
                "6272\\) after Flatten",
            ),
            Wrong(
                "def flatten_size(image_size):\n"
                "    return models.lecture_convnet(image_size).get_layer('flatten').output.shape[-1]",
                SHORTCUT,
            ),
            Wrong(
                "def flatten_size(image_size):\n"
                "    return models.load_or_train_scratch_convnet(image_size).get_layer('flatten').output.shape[-1]",
                SHORTCUT,
            ),
            Wrong(
                "def flatten_size(image_size):\n"
                "    n = image_size\n"
                "    for _ in range(4):\n"
                "        n = convolution.feature_map(np.zeros((n, n)), np.zeros((3, 3))).shape[0] // 2\n"
                "    return n * n * 128",
                SHORTCUT,
            ),
            Wrong(
                "def flatten_size(image_size):\n"
                "    n = image_size\n"
                "    for _ in range(4):\n"
                "        n = convolution.pooled(np.zeros((n - 2, n - 2))).shape[0]\n"
                "    return n * n * 128",
                SHORTCUT,
            ),
        ],
    ),
    "count_params": Exercise(
        "test_count_params",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return filters * kernel_size * kernel_size * in_channels + filters\n"
                "\n"
                "\n"
                "def dense_params(inputs, units):\n"
                "    return inputs * units + units"
            ),
            Right(
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return kernel_size**2 * in_channels * filters + filters\n\n\n"
                "def dense_params(inputs, units):\n"
                "    return inputs * units + units"
            ),
            Right(  # Keras counts them, on layers built here
                "import warnings\n\n"
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    warnings.warn('conv_params: counted by Keras', UserWarning)\n"
                "    layer = keras.layers.Conv2D(filters, kernel_size)\n"
                "    layer.build((None, kernel_size, kernel_size, in_channels))\n"
                "    return layer.count_params()\n\n\n"
                "def dense_params(inputs, units):\n"
                "    layer = keras.layers.Dense(units)\n"
                "    layer.build((None, inputs))\n"
                "    return layer.count_params()",
                prints="counted by Keras",
            ),
            Right(
                "import sys\n\n"
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    print('conv_params: the kernel tensor plus the biases', file=sys.stderr)\n"
                "    return int(np.prod((kernel_size, kernel_size, in_channels, filters))) + filters\n\n\n"
                "def dense_params(inputs, units):\n"
                "    return int(np.prod((inputs + 1, units)))",
                prints="the kernel tensor plus the biases",
            ),
        ],
        wrong=[
            Wrong(  # one bias for the whole dense layer
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return (kernel_size * kernel_size * in_channels + 1) * filters\n\n"
                "def dense_params(inputs, units):\n"
                "    return inputs * units + 1",
                "dense layer",
            ),
            Wrong(  # always three input channels (RGB): right for conv1 only
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return (kernel_size * kernel_size * 3 + 1) * filters\n\n"
                "def dense_params(inputs, units):\n"
                "    return (inputs + 1) * units",
                "spans every input channel",
            ),
            Wrong(  # no biases in the convolution
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return kernel_size * kernel_size * in_channels * filters\n\n"
                "def dense_params(inputs, units):\n"
                "    return (inputs + 1) * units",
                "896 parameters",
            ),
            Wrong(  # a bias per input channel
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return (kernel_size * kernel_size + 1) * in_channels * filters\n\n"
                "def dense_params(inputs, units):\n"
                "    return (inputs + 1) * units",
                "896 parameters",
            ),
            Wrong(  # inputs and units swapped
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return (kernel_size * kernel_size * in_channels + 1) * filters\n\n"
                "def dense_params(inputs, units):\n"
                "    return (units + 1) * inputs",
                "513 parameters",
            ),
            Wrong(
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    conv = {(3, 3, 32): 'conv1', (3, 32, 64): 'conv2', (3, 64, 128): 'conv3', (3, 128, 128): "
                "'conv4'}\n"
                "    name = conv.get((kernel_size, in_channels, filters))\n"
                "    if name:\n"
                "        return models.lecture_convnet(150).get_layer(name).count_params()\n"
                "    return (kernel_size * kernel_size * in_channels + 1) * filters\n\n"
                "def dense_params(inputs, units):\n"
                "    return (inputs + 1) * units",
                SHORTCUT,
            ),
            Wrong(
                "def conv_params(kernel_size, in_channels, filters):\n"
                "    return (kernel_size * kernel_size * in_channels + 1) * filters\n\n"
                "def dense_params(inputs, units):\n"
                "    return models.classifier_head((inputs,), hidden_units=units, "
                "dropout=0).get_layer('dense').count_params()",
                SHORTCUT,
            ),
        ],
    ),
    "classifier_output": Exercise(
        "test_classifier_output",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def classifier_output(num_classes):\n"
                "    if num_classes == 2:\n"
                '        return keras.layers.Dense(1, activation="sigmoid"), "binary_crossentropy"\n'
                "    else:\n"
                '        return keras.layers.Dense(num_classes, activation="softmax"), "categorical_crossentropy"'
            ),
            Right(  # Keras's activation functions, and the sparse loss (integer labels)
                "def classifier_output(num_classes):\n"
                "    if num_classes == 2:\n"
                "        return keras.layers.Dense(1, activation=keras.activations.sigmoid), 'binary_crossentropy'\n"
                "    return keras.layers.Dense(num_classes, activation=keras.activations.softmax), "
                "'sparse_categorical_crossentropy'"
            ),
            Right(
                "import warnings\n\n"
                "def classifier_output(num_classes):\n"
                "    warnings.warn('classifier_output: one sigmoid unit for two classes', UserWarning)\n"
                "    if num_classes > 2:\n"
                "        return keras.layers.Dense(num_classes, 'softmax'), 'categorical_crossentropy'\n"
                "    return keras.layers.Dense(1, 'sigmoid'), 'binary_crossentropy'",
                prints="one sigmoid unit for two classes",
            ),
            Right(  # activations without a name (lambdas): what counts is what the layer computes
                "import sys\n\n"
                "def classifier_output(num_classes):\n"
                "    print('classifier_output: activations from keras.ops', file=sys.stderr)\n"
                "    if num_classes == 2:\n"
                "        return keras.layers.Dense(1, activation=lambda z: keras.ops.sigmoid(z)), "
                "'binary_crossentropy'\n"
                "    return keras.layers.Dense(num_classes, activation=lambda z: keras.ops.softmax(z, axis=-1)), "
                "'categorical_crossentropy'",
                prints="activations from keras.ops",
            ),
        ],
        wrong=[
            Wrong(  # a sigmoid for every number of classes
                "def classifier_output(num_classes):\n"
                "    units = 1 if num_classes == 2 else num_classes\n"
                "    return keras.layers.Dense(units, activation='sigmoid'), 'binary_crossentropy'",
                "softmax",
            ),
            Wrong(  # no activation for several classes (logits)
                "def classifier_output(num_classes):\n"
                "    if num_classes == 2:\n"
                "        return keras.layers.Dense(1, activation='sigmoid'), 'binary_crossentropy'\n"
                "    return keras.layers.Dense(num_classes), 'categorical_crossentropy'",
                "softmax",
            ),
            Wrong(  # a softmax on the single unit: always 1 (Keras only warns)
                "def classifier_output(num_classes):\n"
                "    units = 1 if num_classes == 2 else num_classes\n"
                "    loss = 'binary_crossentropy' if num_classes == 2 else 'categorical_crossentropy'\n"
                "    return keras.layers.Dense(units, activation='softmax'), loss",
                "sigmoid",
            ),
            Wrong(  # binary cross-entropy whatever the number of classes
                "def classifier_output(num_classes):\n"
                "    if num_classes == 2:\n"
                "        return keras.layers.Dense(1, activation='sigmoid'), 'binary_crossentropy'\n"
                "    return keras.layers.Dense(num_classes, activation='softmax'), 'binary_crossentropy'",
                "categorical cross-entropy",
            ),
            Wrong(  # one unit fewer than classes, always
                "def classifier_output(num_classes):\n"
                "    activation = 'sigmoid' if num_classes == 2 else 'softmax'\n"
                "    loss = 'binary_crossentropy' if num_classes == 2 else 'categorical_crossentropy'\n"
                "    return keras.layers.Dense(num_classes - 1, activation=activation), loss",
                "ten units",
            ),
            Wrong(
                "def classifier_output(num_classes):\n"
                "    if num_classes == 2:\n"
                "        return models.classifier_head((8,)).get_layer('prediction'), 'binary_crossentropy'\n"
                "    return keras.layers.Dense(num_classes, activation='softmax'), 'categorical_crossentropy'",
                SHORTCUT,
            ),
            Wrong(
                "def classifier_output(num_classes):\n"
                "    if num_classes == 2:\n"
                "        return models.lecture_convnet(64).get_layer('prediction'), 'binary_crossentropy'\n"
                "    return keras.layers.Dense(num_classes, activation='softmax'), 'categorical_crossentropy'",
                SHORTCUT,
            ),
        ],
    ),
    "receptive_fields": Exercise(
        "test_receptive_fields",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def receptive_fields(layers):\n"
                "    fields = []\n"
                "    field, jump = 1, 1\n"
                "    for kernel_size, stride in layers:\n"
                "        field = field + (kernel_size - 1) * jump\n"
                "        jump = jump * stride\n"
                "        fields.append(field)\n"
                "    return fields"
            ),
            Right(  # each layer's jump as the product of the strides below it, with NumPy
                "import sys\n\n"
                "def receptive_fields(layers):\n"
                "    print('receptive_fields: cumulative products of the strides', file=sys.stderr)\n"
                "    if len(layers) == 0:\n"
                "        return []\n"
                "    kernels, strides = np.array(layers, dtype=np.int64).T\n"
                "    jumps = np.concatenate([[1], np.cumprod(strides)[:-1]])\n"
                "    return [int(v) for v in 1 + np.cumsum((kernels - 1) * jumps)]",
                prints="cumulative products",
            ),
            Right(  # from each layer back down to the input: the patch one unit needs of the layer below
                "import warnings\n\n"
                "def receptive_fields(layers):\n"
                "    warnings.warn('receptive_fields: walking down from each layer', UserWarning)\n"
                "    out = []\n"
                "    for top in range(len(layers)):\n"
                "        size = 1\n"
                "        for kernel_size, stride in reversed(layers[: top + 1]):\n"
                "            size = (size - 1) * stride + kernel_size\n"
                "        out.append(size)\n"
                "    return out",
                prints="walking down",
            ),
        ],
        wrong=[
            Wrong(  # adds the kernels only: right for a network of stride 1
                "def receptive_fields(layers):\n"
                "    fields, field = [], 1\n"
                "    for kernel_size, stride in layers:\n"
                "        field += kernel_size - 1\n"
                "        fields.append(field)\n"
                "    return fields",
                "jump",
            ),
            Wrong(  # applies a layer's own stride to its own field: right on the lecture's model
                "def receptive_fields(layers):\n"
                "    fields, field, jump = [], 1, 1\n"
                "    for kernel_size, stride in layers:\n"
                "        jump *= stride\n"
                "        field += (kernel_size - 1) * jump\n"
                "        fields.append(field)\n"
                "    return fields",
                "jump",
            ),
            Wrong(  # grows by the current layer's stride only, not by the product of those below
                "def receptive_fields(layers):\n"
                "    fields, field, previous = [], 1, 1\n"
                "    for kernel_size, stride in layers:\n"
                "        field += (kernel_size - 1) * previous\n"
                "        previous = stride\n"
                "        fields.append(field)\n"
                "    return fields",
                "product of the strides",
            ),
            Wrong(  # starts from no pixel at all
                "def receptive_fields(layers):\n"
                "    fields, field, jump = [], 0, 1\n"
                "    for kernel_size, stride in layers:\n"
                "        field += (kernel_size - 1) * jump\n"
                "        jump *= stride\n"
                "        fields.append(field)\n"
                "    return fields",
                "sees 3 x 3 pixels",
            ),
            Wrong(  # only the last layer's field
                "def receptive_fields(layers):\n"
                "    field, jump = 1, 1\n"
                "    for kernel_size, stride in layers:\n"
                "        field += (kernel_size - 1) * jump\n"
                "        jump *= stride\n"
                "    return [field]",
                "one receptive field per layer",
            ),
            Wrong(  # pops the layers it has seen off the caller's list
                "def receptive_fields(layers):\n"
                "    fields, field, jump = [], 1, 1\n"
                "    while layers:\n"
                "        kernel_size, stride = layers.pop(0)\n"
                "        field += (kernel_size - 1) * jump\n"
                "        jump *= stride\n"
                "        fields.append(field)\n"
                "    return fields",
                "do not change",
            ),
            Wrong(
                "def receptive_fields(layers):\n    return stand_ins.receptive_fields(layers)",
                SHORTCUT,
            ),
        ],
    ),
    "mix_up": Exercise(
        "test_mix_up",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    image = weight * image_a.astype(float) + (1 - weight) * image_b.astype(float)\n"
                "    label = weight * np.array(label_a, dtype=float) + (1 - weight) * np.array(label_b, dtype=float)\n"
                "    return image, label"
            ),
            Right(
                "import warnings\n\n"
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    warnings.warn('mix_up: blending in float32 with keras.ops', UserWarning)\n"
                "    def blend(a, b):\n"
                "        return keras.ops.convert_to_numpy(weight * keras.ops.cast(a, 'float32') + (1 - weight) * "
                "keras.ops.cast(b, 'float32'))\n"
                "    return blend(image_a, image_b), blend(label_a, label_b)",
                prints="blending in float32",
            ),
            Right(  # a weighted average of the two
                "import sys\n\n"
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    print('mix_up: np.average with weights', file=sys.stderr)\n"
                "    weights = [weight, 1 - weight]\n"
                "    images = np.stack([np.asarray(image_a, dtype=float), np.asarray(image_b, dtype=float)])\n"
                "    labels = np.stack([np.asarray(label_a, dtype=float), np.asarray(label_b, dtype=float)])\n"
                "    return np.average(images, axis=0, weights=weights), np.average(labels, axis=0, weights=weights)",
                prints="np.average with weights",
            ),
            Right(  # b + weight * (a - b), in float32
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    a, b = np.asarray(image_a, dtype=np.float32), np.asarray(image_b, dtype=np.float32)\n"
                "    la, lb = np.asarray(label_a, dtype=np.float32), np.asarray(label_b, dtype=np.float32)\n"
                "    return b + weight * (a - b), lb + weight * (la - lb)"
            ),
        ],
        wrong=[
            Wrong(  # takes the second label to be 1 - label_a: right whenever the two photos differ in class
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    a, b, la = np.asarray(image_a, float), np.asarray(image_b, float), np.asarray(label_a, float)\n"
                "    return weight * a + (1 - weight) * b, weight * la + (1 - weight) * (1 - la)",
                "label_b",
            ),
            Wrong(  # uint8 arithmetic wraps around
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    return image_b + (image_a - image_b) * weight, weight * label_a + (1 - weight) * label_b",
                "float",
            ),
            Wrong(  # the weight on the wrong image (the label is right)
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    a, b = np.asarray(image_a, dtype=float), np.asarray(image_b, dtype=float)\n"
                "    return (1 - weight) * a + weight * b, weight * label_a + (1 - weight) * label_b",
                "goes to image_a",
            ),
            Wrong(  # int64 avoids the wrap-around of uint8, but truncates float pixels
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    a, b = np.asarray(image_a, dtype=np.int64), np.asarray(image_b, dtype=np.int64)\n"
                "    return weight * a + (1 - weight) * b, weight * np.asarray(label_a, dtype=float) + (1 - weight) * "
                "np.asarray(label_b, dtype=float)",
                "convert to integers",
            ),
            Wrong(  # back to the photos' dtype
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    a, b = np.asarray(image_a, dtype=float), np.asarray(image_b, dtype=float)\n"
                "    image = (weight * a + (1 - weight) * b).astype(np.asarray(image_a).dtype)\n"
                "    return image, weight * np.asarray(label_a, dtype=float) + (1 - weight) * np.asarray(label_b, "
                "dtype=float)",
                "as floats",
            ),
            Wrong(  # rescales the pixels to 0..1
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    a, b = np.asarray(image_a, dtype=float) / 255, np.asarray(image_b, dtype=float) / 255\n"
                "    return weight * a + (1 - weight) * b, weight * np.asarray(label_a, dtype=float) + (1 - weight) * "
                "np.asarray(label_b, dtype=float)",
                "no / 255",
            ),
            Wrong(  # a hard label: the more heavily weighted image's
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    a, b = np.asarray(image_a, dtype=float), np.asarray(image_b, dtype=float)\n"
                "    return weight * a + (1 - weight) * b, np.asarray(label_a if weight >= 0.5 else label_b, "
                "dtype=float)",
                "label 0.25",
            ),
            Wrong(
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    drawn = 1 - augment.mix_weight(1.0, 0)  # augment's mix-up weight is 1 - strength * drawn\n"
                "    image = augment.augment(image_a, 'mixing (mix-up)', (1 - weight) / drawn, 0, other=image_b)\n"
                "    return image, weight * np.asarray(label_a, dtype=float) + (1 - weight) * np.asarray(label_b, "
                "dtype=float)",
                SHORTCUT,
            ),
            Wrong(
                "def mix_up(image_a, label_a, image_b, label_b, weight):\n"
                "    if weight == 1:\n"
                "        return np.asarray(image_a, dtype=float), np.asarray(label_a, dtype=float)\n"
                "    image = augment.augment(image_a, 'mixing (mix-up)', strength=0.0, other=image_b) * weight\n"
                "    image = image + (1 - weight) * np.asarray(image_b, dtype=float)\n"
                "    return image, weight * np.asarray(label_a, dtype=float) + (1 - weight) * np.asarray(label_b, "
                "dtype=float)",
                SHORTCUT,
            ),
        ],
    ),
    "make_augmentation": Exercise(
        "test_make_augmentation",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def make_augmentation():\n"
                "    return keras.Sequential([\n"
                '        keras.layers.RandomFlip("horizontal"),\n'
                "        keras.layers.RandomRotation(0.1),\n"
                "        keras.layers.RandomZoom(0.2),\n"
                "    ])"
            ),
            Right(  # a Pipeline, with the ranges written out
                "def make_augmentation():\n"
                "    return keras.layers.Pipeline([\n"
                "        keras.layers.RandomFlip(mode='horizontal'),\n"
                "        keras.layers.RandomRotation((-0.1, 0.1)),\n"
                "        keras.layers.RandomZoom((-0.2, 0.2)),\n"
                "    ])"
            ),
            Right(  # another order, reflected borders
                "import warnings\n\n"
                "def make_augmentation():\n"
                "    warnings.warn('make_augmentation: zoom first, then rotate, then mirror', UserWarning)\n"
                "    return keras.Sequential([\n"
                "        keras.layers.RandomZoom(0.2, fill_mode='reflect'),\n"
                "        keras.layers.RandomRotation(0.1, fill_mode='reflect'),\n"
                "        keras.layers.RandomFlip('horizontal'),\n"
                "    ])",
                prints="zoom first, then rotate",
            ),
            Right(  # nested, the zoom's width given too (the book's zoom_range zooms both)
                "import sys\n\n"
                "def make_augmentation():\n"
                "    print('make_augmentation: a nested Sequential', file=sys.stderr)\n"
                "    mirror = keras.Sequential([keras.layers.RandomFlip('horizontal')], name='mirror')\n"
                "    return keras.Sequential([mirror, keras.layers.RandomRotation(0.1), "
                "keras.layers.RandomZoom(height_factor=0.2, width_factor=0.2)])",
                prints="a nested Sequential",
            ),
        ],
        wrong=[
            Wrong(  # flips upside down too
                "def make_augmentation():\n"
                "    return keras.Sequential([keras.layers.RandomFlip(), keras.layers.RandomRotation(0.1), "
                "keras.layers.RandomZoom(0.2)])",
                "left-right",
            ),
            Wrong(  # upside down only
                "def make_augmentation():\n"
                "    return keras.Sequential([keras.layers.RandomFlip('vertical'), keras.layers.RandomRotation(0.1), "
                "keras.layers.RandomZoom(0.2)])",
                "left-right",
            ),
            Wrong(  # turns one way only
                "def make_augmentation():\n"
                "    return keras.Sequential([keras.layers.RandomFlip('horizontal'), keras.layers.RandomRotation((0, "
                "0.1)), keras.layers.RandomZoom(0.2)])",
                "either way",
            ),
            Wrong(  # 10 % of a turn is 36 degrees, written in radians
                "def make_augmentation():\n"
                "    return keras.Sequential([keras.layers.RandomFlip('horizontal'), "
                "keras.layers.RandomRotation(np.radians(36)), keras.layers.RandomZoom(0.2)])",
                "fraction of a turn",
            ),
            Wrong(  # zooms out only
                "def make_augmentation():\n"
                "    return keras.Sequential([keras.layers.RandomFlip('horizontal'), keras.layers.RandomRotation(0.1), "
                "keras.layers.RandomZoom((0.0, 0.2))])",
                "zoom in and out",
            ),
            Wrong(  # the course's defaults written out: shifts the photos too
                "def make_augmentation():\n"
                "    return keras.Sequential([\n"
                "        keras.layers.RandomFlip('horizontal'), keras.layers.RandomRotation(0.1), "
                "keras.layers.RandomZoom(0.2),\n"
                "        keras.layers.RandomTranslation(0.1, 0.1),\n"
                "    ])",
                "only the three",
            ),
            Wrong("def make_augmentation():\n    return models.augmentation(translation=0.0)", SHORTCUT),
            Wrong(
                "def make_augmentation():\n    return models.load_or_train_scratch_convnet().get_layer('augmentation')",
                SHORTCUT,
            ),
        ],
    ),
    "inverted_dropout": Exercise(
        "test_inverted_dropout",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.array(x, dtype=float)\n"
                "    if not training:\n"
                "        return x\n"
                "    if rng is None:\n"
                "        rng = np.random.default_rng()\n"
                "    mask = rng.random(x.shape) >= rate\n"
                "    return x * mask * (1 / (1 - rate))"
            ),
            Right(
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.array(x, dtype=np.float64)\n"
                "    if not training:\n"
                "        return x\n"
                "    if rng is None:\n"
                "        rng = np.random.default_rng()\n"
                "    keep = rng.uniform(size=x.shape) < 1 - rate\n"
                "    return np.where(keep, x / (1 - rate), 0.0)"
            ),
            Right(  # a Bernoulli draw per value
                "import warnings\n\n"
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    warnings.warn('inverted_dropout: binomial masks', UserWarning)\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = rng or np.random.default_rng()\n"
                "    return x * rng.binomial(1, 1 - rate, size=x.shape) / (1 - rate)",
                prints="binomial masks",
            ),
            Right(  # Keras's dropout, seeded from rng
                "import sys\n\n"
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    print('inverted_dropout: keras.random.dropout seeded from rng', file=sys.stderr)\n"
                "    x = np.asarray(x, dtype='float32')\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    seed = int(rng.integers(2**31 - 1))\n"
                "    return keras.ops.convert_to_numpy(keras.random.dropout(keras.ops.convert_to_tensor(x), rate, "
                "seed=seed))",
                prints="keras.random.dropout seeded",
            ),
        ],
        wrong=[
            Wrong(  # at inference, gives back its input as it is (an integer array stays integers)
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    if not training:\n"
                "        return x\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    return x * (rng.random(x.shape) >= rate) / (1 - rate)",
                "float array",
            ),
            Wrong(  # keeps with probability `rate` instead of dropping: right at 0.5 only
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    return x * (rng.random(x.shape) < rate) / (1 - rate)",
                "not 20 % kept",
            ),
            Wrong(  # one random number per column, shared by every row: right on 1-D inputs
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    return x * (rng.random(x.shape[-1]) >= rate) / (1 - rate)",
                "independently",
            ),
            Wrong(  # ignores rng: NumPy's global generator, seeded every call (the same mask every time)
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    np.random.seed(0)\n"
                "    return x * (np.random.rand(*x.shape) >= rate) / (1 - rate)",
                "same rng",
            ),
            Wrong(  # a seeded generator when none is given: the same mask every call
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = np.random.default_rng(0) if rng is None else rng\n"
                "    return x * (rng.random(x.shape) >= rate) / (1 - rate)",
                "rng=None",
            ),
            Wrong(  # an output of the input's dtype: integer inputs truncated
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.asarray(x)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    keep = rng.random(x.shape) >= rate\n"
                "    out = np.zeros_like(x)\n"
                "    out[keep] = x[keep] / (1 - rate)\n"
                "    return out",
                "integer input",
            ),
            Wrong(  # zeroes the input itself
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    if not training:\n"
                "        return np.array(x, dtype=float)\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    x = np.asarray(x)\n"
                "    x[rng.random(x.shape) < rate] = 0\n"
                "    return x / (1 - rate)",
                "must not modify",
            ),
            Wrong(  # multiplies by 1 - rate instead of dividing
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    return x * (rng.random(x.shape) >= rate) * (1 - rate)",
                "rescale",
            ),
            Wrong(
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    return dropout.keras_dropout(x, rate, seed=int(rng.integers(2**31 - 1)), "
                "training=training).astype(float)",
                SHORTCUT,
            ),
            Wrong(
                "def inverted_dropout(x, rate, training=True, rng=None):\n"
                "    x = np.asarray(x, dtype=float)\n"
                "    if not training:\n"
                "        return x.copy()\n"
                "    rng = np.random.default_rng() if rng is None else rng\n"
                "    keep = dropout.masks([x.size, 1], rate, seed=int(rng.integers(1000)))[0].reshape(x.shape)\n"
                "    return x * keep / (1 - rate)",
                SHORTCUT,
            ),
        ],
    ),
}


def test_answers_are_graded_fairly(tmp_path: Path) -> None:
    assert_fair(ASSIGNMENT, EXERCISES, tmp_path)
