"""Chapter 3 graded fairly: other correct answers keep every point (one of each warns or
writes to stderr), plausible wrong ones and the shortcuts through the course's own code
(the activations module, the filter visualizer, Grad-CAM) earn none, with a message naming
the mistake. One autograding run covers them all."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import nbformat
import numpy as np

from answers import SHORTCUT, Exercise, Right, Wrong, assert_fair
from course_tools import cells
from helpers import ROOT

ASSIGNMENT = "03-visualizing-convnets"

EXERCISES = {
    "activation_model": Exercise(
        "test_activation_model",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def activation_model(model, layer_names):\n"
                "    return keras.Model(model.inputs[0], [model.get_layer(name).output for name in layer_names])"
            ),
            Right(  # the layers looked up by name in a dict
                "def activation_model(model, layer_names):\n"
                "    by_name = {layer.name: layer for layer in model.layers}\n"
                "    return keras.Model(inputs=model.inputs[0], outputs=[by_name[name].output for name in layer_names])"
            ),
            Right(  # the list of inputs, a loop, keras.models.Model; says what it builds on stderr
                "import sys\n\ndef activation_model(model, layer_names):\n"
                "    print(f'activation_model: {len(layer_names)} outputs', file=sys.stderr)\n"
                "    outputs = []\n"
                "    for name in layer_names:\n"
                "        outputs.append(model.get_layer(name=name).output)\n"
                "    return keras.models.Model(model.inputs, outputs)",
                prints="activation_model: 8 outputs",
            ),
            Right(  # a tuple of outputs, a named model, and a warning
                "import warnings\n\ndef activation_model(model, layer_names):\n"
                "    warnings.warn('activation_model shares the layers of ' + model.name, UserWarning)\n"
                "    outputs = tuple(model.get_layer(name).output for name in layer_names)\n"
                "    return keras.Model(model.inputs[0], outputs, name=f'{model.name}_activations')",
                prints="activation_model shares the layers",
            ),
        ],
        wrong=[
            Wrong(  # the model's order, not the order asked for: right whenever the names come in the model's order
                "def activation_model(model, layer_names):\n"
                "    return keras.Model(model.inputs[0], [layer.output for layer in model.layers if layer.name in "
                "layer_names])",
                "order of layer_names",
            ),
            Wrong(  # the names sorted: conv1, conv2, ... before pool1
                "def activation_model(model, layer_names):\n"
                "    return keras.Model(model.inputs[0], [model.get_layer(name).output for name in "
                "sorted(layer_names)])",
                "should be pool1's",
            ),
            Wrong(  # the layers' inputs instead of their outputs
                "def activation_model(model, layer_names):\n"
                "    return keras.Model(model.inputs[0], [model.get_layer(name).input for name in layer_names])",
                "conv1 gives 32 maps",
            ),
            Wrong(  # only the last layer's output
                "def activation_model(model, layer_names):\n"
                "    return keras.Model(model.inputs[0], model.get_layer(layer_names[-1]).output)",
                "one output per layer",
            ),
            Wrong(  # a clone: the same architecture with new, untrained weights
                "def activation_model(model, layer_names):\n"
                "    copy = keras.models.clone_model(model)\n"
                "    return keras.Model(copy.inputs[0], [copy.get_layer(name).output for name in layer_names])",
                "do not clone or rebuild",
            ),
            Wrong(  # the filter visualizer's feature model, one per layer
                "def activation_model(model, layer_names):\n"
                "    outputs = [filters.FilterVisualizer(model, name).feature_model.output for name in layer_names]\n"
                "    return keras.Model(model.inputs[0], outputs)",
                SHORTCUT,
            ),
            Wrong(  # Grad-CAM's gradient model: its first output is the layer's
                "def activation_model(model, layer_names):\n"
                "    outputs = [heatmaps.GradCam(model, name)._model.outputs[0] for name in layer_names]\n"
                "    return keras.Model(model.inputs[0], outputs)",
                SHORTCUT,
            ),
            Wrong(  # the helper behind Grad-CAM's gradient model
                "def activation_model(model, layer_names):\n"
                "    return keras.Model(model.inputs[0], [heatmaps._sub_model(model, name).outputs[0] for name in "
                "layer_names])",
                SHORTCUT,
            ),
            Wrong(  # a model whose forward pass is the course's activations()
                "class _Probe(keras.Model):\n"
                "    def __init__(self, model, layer_names):\n"
                "        super().__init__()\n"
                "        self.base, self.names = model, list(layer_names)\n\n"
                "    def call(self, images):\n"
                "        return list(activations.activations(self.base, self.names, images).values())\n\n\n"
                "def activation_model(model, layer_names):\n"
                "    return _Probe(model, layer_names)",
                SHORTCUT,
            ),
        ],
    ),
    "normalize_map": Exercise(
        "test_normalize_map",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def normalize_map(feature_map):\n"
                "    x = np.array(feature_map, dtype=float)\n"
                "    low, high = x.min(), x.max()\n"
                "    if high == low:\n"
                "        return np.zeros(x.shape)\n"
                "    return (x - low) / (high - low)"
            ),
            Right(  # np.where computes both branches: a constant map divides 0 by 0 and NumPy warns
                "def normalize_map(feature_map):\n"
                "    x = np.array(feature_map, dtype=float)\n"
                "    low, high = x.min(), x.max()\n"
                "    return np.where(high > low, (x - low) / (high - low), 0.0)",
                prints="invalid value encountered",
            ),
            Right(  # np.ptp and a guarded np.divide, in float32
                "def normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map, dtype='float32')\n"
                "    span = np.ptp(x)\n"
                "    return np.divide(x - x.min(), span, out=np.zeros_like(x), where=span > 0)"
            ),
            Right(  # an explicit test, and a warning for the constant map
                "import warnings\n\ndef normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map, dtype=np.float64)\n"
                "    lo, hi = np.min(x), np.max(x)\n"
                "    if hi == lo:\n"
                "        warnings.warn('normalize_map: constant map, returning zeros', RuntimeWarning)\n"
                "        return np.zeros(x.shape)\n"
                "    return (x - lo) * (1.0 / (hi - lo))",
                prints="constant map, returning zeros",
            ),
        ],
        wrong=[
            Wrong(  # divides by the maximum without subtracting the minimum
                "def normalize_map(m):\n    m = np.asarray(m, float)\n    return m / m.max() if m.max() else m",
                "subtract the minimum",
            ),
            Wrong(  # subtracts the minimum but divides by the maximum: right whenever the minimum is 0
                "def normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map, dtype=float)\n"
                "    return (x - x.min()) / x.max() if x.max() != x.min() else np.zeros_like(x)",
                "dividing by the range",
            ),
            Wrong(  # a constant map returned as it is: right for the all-zero map only
                "def normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map, dtype=float)\n"
                "    span = x.max() - x.min()\n"
                "    return (x - x.min()) / span if span else x",
                "constant map should give zeros",
            ),
            Wrong(  # one minimum and maximum per column
                "def normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map, dtype=float)\n"
                "    low, high = x.min(axis=0), x.max(axis=0)\n"
                "    return np.divide(x - low, high - low, out=np.zeros_like(x), where=high > low)",
                "should become",
            ),
            Wrong(  # works in place on the caller's float array
                "def normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map, dtype=float)\n"
                "    x -= x.min()\n"
                "    span = x.max()\n"
                "    if span > 0:\n"
                "        x /= span\n"
                "    return x",
                "must not change its input",
            ),
            Wrong(  # keeps the input's dtype: integer zeros for a constant integer map
                "def normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map)\n"
                "    span = x.max() - x.min()\n"
                "    return (x - x.min()) / span if span > 0 else np.zeros_like(x)",
                "float zeros",
            ),
            Wrong(  # standardises instead (mean 0, standard deviation 1)
                "def normalize_map(feature_map):\n"
                "    x = np.asarray(feature_map, dtype=float)\n"
                "    return (x - x.mean()) / x.std() if x.std() > 0 else np.zeros_like(x)",
                "should become",
            ),
            Wrong(  # the activation grid of one channel: scaled the same way, for a 2-D map
                "def normalize_map(feature_map):\n"
                "    return activations.channel_grid(np.asarray(feature_map, float)[..., np.newaxis], "
                "cols=1).astype(float)",
                SHORTCUT,
            ),
        ],
    ),
    "ascent_step": Exercise(
        "test_ascent_step",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def ascent_step(score_fn, image, step_size):\n"
                "    scores, gradient = backend.gradients(score_fn, image)\n"
                "    gradient = np.array(gradient)\n"
                "    normalised = gradient / (np.sqrt(np.mean(gradient ** 2)) + 1e-5)\n"
                "    return np.array(image, dtype=float) + step_size * normalised"
            ),
            Right(  # TensorFlow's GradientTape directly
                "import tensorflow as tf\n\ndef ascent_step(score_fn, image, step_size):\n"
                "    x = tf.convert_to_tensor(np.asarray(image, dtype='float32'))\n"
                "    with tf.GradientTape() as tape:\n"
                "        tape.watch(x)\n"
                "        score = tf.reduce_sum(score_fn(x))\n"
                "    g = tape.gradient(score, x)\n"
                "    g = g / (tf.sqrt(tf.reduce_mean(tf.square(g))) + 1e-5)\n"
                "    return (x + step_size * g).numpy()"
            ),
            Right(  # backend.gradients, normalised with keras.ops, in float64; warns
                "import warnings\n\ndef ascent_step(score_fn, image, step_size):\n"
                "    warnings.warn('ascent_step: one step of gradient ascent', UserWarning)\n"
                "    _, gradient = backend.gradients(score_fn, image)\n"
                "    rms = keras.ops.sqrt(keras.ops.mean(keras.ops.square(gradient)))\n"
                "    step = keras.ops.convert_to_numpy(step_size * gradient / (rms + 1e-5))\n"
                "    return np.array(image, dtype='float64') + step",
                prints="one step of gradient ascent",
            ),
            Right(  # the RMS as the L2 norm over the square root of the size; prints to stderr
                "import sys\n\ndef ascent_step(score_fn, image, step_size):\n"
                "    values, grads = backend.gradients(score_fn, image)\n"
                "    g = np.asarray(grads, dtype='float64')\n"
                "    print('ascent_step: score', np.asarray(values).ravel()[0], file=sys.stderr)\n"
                "    g = g / (np.linalg.norm(g) / np.sqrt(g.size) + 1e-5)\n"
                "    return np.asarray(image, dtype='float64') + step_size * g",
                prints="ascent_step: score",
            ),
        ],
        wrong=[
            Wrong(  # a plain gradient step: no normalisation
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    return np.asarray(image) + step_size * np.asarray(grads)",
                "normalised gradient is 1",
            ),
            Wrong(  # descent
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    g = np.asarray(grads)\n"
                "    return np.asarray(image, 'float32') - step_size * g / (np.sqrt(np.mean(g ** 2)) + 1e-5)",
                "from 100 to 110",
            ),
            Wrong(  # the sign of the gradient (a "fast gradient sign" step)
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    return np.asarray(image, 'float32') + step_size * np.sign(np.asarray(grads))",
                "do not take the sign",
            ),
            Wrong(  # one root mean square per channel
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    g = np.asarray(grads)\n"
                "    rms = np.sqrt(np.mean(g ** 2, axis=(0, 1, 2), keepdims=True))\n"
                "    return np.asarray(image, 'float32') + step_size * g / (rms + 1e-5)",
                "not one per channel",
            ),
            Wrong(  # no + 1e-5: a zero gradient gives NaN
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    g = np.asarray(grads)\n"
                "    return np.asarray(image, 'float32') + step_size * g / np.sqrt(np.mean(g ** 2))",
                "that is what \\+ 1e-5 is for",
            ),
            Wrong(  # the gradient taken at the image scaled to 0..1: right for every linear score
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, np.asarray(image, 'float32') / 255.0)\n"
                "    g = np.asarray(grads)\n"
                "    return np.asarray(image, 'float32') + step_size * g / (np.sqrt(np.mean(g ** 2)) + 1e-5)",
                "non-linear score",
            ),
            Wrong(  # clips to the pixel range
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    g = np.asarray(grads)\n"
                "    return np.clip(np.asarray(image, 'float32') + step_size * g / (np.sqrt(np.mean(g ** 2)) + 1e-5), "
                "0, 255)",
                "do not clip",
            ),
            Wrong(  # adds to the caller's array
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    g = np.asarray(grads)\n"
                "    image = np.asarray(image)\n"
                "    image += step_size * g / (np.sqrt(np.mean(g ** 2)) + 1e-5)\n"
                "    return image",
                "must not change its input",
            ),
            Wrong(  # returns a TensorFlow tensor
                "def ascent_step(score_fn, image, step_size):\n"
                "    _, grads = backend.gradients(score_fn, image)\n"
                "    rms = keras.ops.sqrt(keras.ops.mean(keras.ops.square(grads)))\n"
                "    return keras.ops.convert_to_tensor(image, 'float32') + step_size * grads / (rms + 1e-5)",
                "NumPy float array",
            ),
            Wrong(  # the filter visualizer's compiled step, called with a stand-in for self
                "from types import SimpleNamespace\n\ndef ascent_step(score_fn, image, step_size):\n"
                "    probe = SimpleNamespace(score=lambda images, _: score_fn(images))\n"
                "    new, _ = filters.FilterVisualizer._ascent_step(probe, np.asarray(image, 'float32'), [0], "
                "step_size)\n"
                "    return np.asarray(new)",
                SHORTCUT,
            ),
        ],
    ),
    "maps_and_gradients": Exercise(
        "test_maps_and_gradients",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    both = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])\n"
                "    with backend.gradient_tape() as tape:\n"
                "        feature_maps, scores = both(np.asarray(image, dtype='float32')[np.newaxis])\n"
                "        score = scores[:, class_index]\n"
                "    gradients = tape.gradient(score, feature_maps)\n"
                "    return feature_maps.numpy()[0], gradients.numpy()[0]"
            ),
            Right(  # one score (a scalar), a persistent tape, keras.ops to convert
                "import sys\nimport tensorflow as tf\n\n"
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    print('maps_and_gradients: a persistent tape', file=sys.stderr)\n"
                "    probe = keras.Model(inputs=model.input, outputs=(model.get_layer(layer_name).output, "
                "model.output))\n"
                "    batch = tf.cast(tf.expand_dims(tf.convert_to_tensor(image), 0), tf.float32)\n"
                "    with tf.GradientTape(persistent=True) as tape:\n"
                "        maps, logits = probe(batch, training=False)\n"
                "        score = logits[0, class_index]\n"
                "    grads = tape.gradient(score, maps)\n"
                "    del tape\n"
                "    return keras.ops.convert_to_numpy(maps[0]), keras.ops.convert_to_numpy(grads[0])",
                prints="a persistent tape",
            ),
            Right(  # the class picked by a one-hot mask, warned about
                "import warnings\nimport tensorflow as tf\n\n"
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    warnings.warn('maps_and_gradients: the class picked by a one-hot mask', UserWarning)\n"
                "    both = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.outputs[0]])\n"
                "    x = tf.constant(np.expand_dims(np.asarray(image, dtype=np.float32), 0))\n"
                "    with tf.GradientTape() as tape:\n"
                "        maps, scores = both(x)\n"
                "        score = tf.reduce_sum(scores * tf.one_hot(class_index, scores.shape[-1]))\n"
                "    return np.squeeze(maps.numpy(), 0), np.squeeze(tape.gradient(score, maps).numpy(), 0)",
                prints="one-hot mask",
            ),
        ],
        wrong=[
            Wrong(  # the gradient of every class's score at once (tape.gradient sums them)
                "import tensorflow as tf\n\n"
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    both = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])\n"
                "    with tf.GradientTape() as tape:\n"
                "        maps, scores = both(np.asarray(image, dtype='float32')[np.newaxis])\n"
                "    return maps.numpy()[0], tape.gradient(scores, maps).numpy()[0]",
                "score of class_index alone",
            ),
            Wrong(  # the probability after a softmax, not the model's score
                "import tensorflow as tf\n\n"
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    both = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])\n"
                "    with tf.GradientTape() as tape:\n"
                "        maps, scores = both(np.asarray(image, dtype='float32')[np.newaxis])\n"
                "        score = tf.nn.softmax(scores)[:, class_index]\n"
                "    return maps.numpy()[0], tape.gradient(score, maps).numpy()[0]",
                "no softmax",
            ),
            Wrong(  # the gradient with respect to the image
                "import tensorflow as tf\n\n"
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    both = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])\n"
                "    x = tf.constant(np.asarray(image, dtype='float32')[np.newaxis])\n"
                "    with tf.GradientTape() as tape:\n"
                "        tape.watch(x)\n"
                "        maps, scores = both(x)\n"
                "        score = scores[:, class_index]\n"
                "    return maps.numpy()[0], tape.gradient(score, x).numpy()[0]",
                "not the image",
            ),
            Wrong(  # keeps the batch axis
                "import tensorflow as tf\n\n"
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    both = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])\n"
                "    with tf.GradientTape() as tape:\n"
                "        maps, scores = both(np.asarray(image, dtype='float32')[np.newaxis])\n"
                "        score = scores[:, class_index]\n"
                "    return maps.numpy(), tape.gradient(score, maps).numpy()",
                "batch axis",
            ),
            Wrong(  # always the last conv layer: right whenever that is the layer asked for
                "import tensorflow as tf\n\n"
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    last = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][-1]\n"
                "    both = keras.Model(model.inputs, [last.output, model.output])\n"
                "    with tf.GradientTape() as tape:\n"
                "        maps, scores = both(np.asarray(image, dtype='float32')[np.newaxis])\n"
                "        score = scores[:, class_index]\n"
                "    return maps.numpy()[0], tape.gradient(score, maps).numpy()[0]",
                "layer named layer_name",
            ),
            Wrong(
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    return heatmaps.GradCam(model, layer_name, compile=False).maps_and_gradients(image, class_index)",
                SHORTCUT,
            ),
            Wrong(
                "def maps_and_gradients(model, layer_name, image, class_index):\n"
                "    both = keras.Model(model.inputs, [model.get_layer(layer_name).output, model.output])\n"
                "    score = lambda x: (lambda maps, scores: (maps, scores[:, class_index]))(*both(x))\n"
                "    maps, _, grads = backend.feature_gradients(score, np.asarray(image, "
                "dtype='float32')[np.newaxis])\n"
                "    return keras.ops.convert_to_numpy(maps)[0], keras.ops.convert_to_numpy(grads)[0]",
                SHORTCUT,
            ),
        ],
    ),
    "pooled_gradients": Exercise(
        "test_pooled_gradients",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def pooled_gradients(gradients):\n    return np.mean(gradients, axis=(0, 1))"
            ),
            Right(  # positions flattened into one axis
                "def pooled_gradients(gradients):\n"
                "    g = np.asarray(gradients, dtype=float)\n"
                "    return g.reshape(-1, g.shape[-1]).mean(axis=0)"
            ),
            Right(  # keras.ops, in float32
                "def pooled_gradients(gradients):\n"
                "    g = keras.ops.convert_to_tensor(np.asarray(gradients, 'float32'))\n"
                "    return keras.ops.convert_to_numpy(keras.ops.mean(g, axis=(0, 1)))"
            ),
            Right(  # sum over each axis, divided by the number of positions; prints to stderr
                "import sys\n\ndef pooled_gradients(gradients):\n"
                "    g = np.asarray(gradients)\n"
                "    print(f'pooled_gradients: {g.shape[0] * g.shape[1]} positions', file=sys.stderr)\n"
                "    return g.sum(axis=0).sum(axis=0) / (g.shape[0] * g.shape[1])",
                prints="pooled_gradients: 49 positions",
            ),
        ],
        wrong=[
            Wrong(  # averages over the channels instead of the positions
                "def pooled_gradients(grads):\n    return np.asarray(grads).mean(axis=-1)",
                "one weight per channel",
            ),
            Wrong(  # the sum over the positions
                "def pooled_gradients(gradients):\n    return np.asarray(gradients).sum(axis=(0, 1))",
                "mean of a constant",
            ),
            Wrong(  # the median: right for a constant and for evenly spaced gradients
                "def pooled_gradients(gradients):\n    return np.median(np.asarray(gradients), axis=(0, 1))",
                "not the sum \\(or the median",
            ),
            Wrong(  # the largest gradient of each channel
                "def pooled_gradients(gradients):\n    return np.asarray(gradients).max(axis=(0, 1))",
                "or the largest",
            ),
            Wrong(  # keeps the averaged axes: shape (1, 1, channels)
                "def pooled_gradients(gradients):\n    return np.mean(gradients, axis=(0, 1), keepdims=True)",
                "one weight per channel",
            ),
            Wrong(  # the axes of a batch, as in heatmaps.GradCam: (batch, height, width, channels)
                "def pooled_gradients(gradients):\n    return np.mean(gradients, axis=(1, 2))",
                "one weight per channel",
            ),
            Wrong(  # Grad-CAM's own channel weights
                "def pooled_gradients(gradients):\n"
                "    g = np.asarray(gradients, 'float32')[np.newaxis]\n"
                "    return np.asarray(heatmaps.GradCam.channel_weights(None, g, g))[0, 0, 0]",
                SHORTCUT,
            ),
        ],
    ),
    "relu_normalize": Exercise(
        "test_relu_normalize",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def relu_normalize(heatmap):\n"
                "    relu = np.maximum(heatmap, 0)\n"
                "    if relu.max() <= 0:\n"
                "        return np.zeros(np.shape(heatmap))\n"
                "    return relu / relu.max()"
            ),
            Right(  # np.clip and max(initial=0)
                "def relu_normalize(heatmap):\n"
                "    h = np.clip(np.asarray(heatmap, dtype=float), 0, None)\n"
                "    peak = h.max(initial=0.0)\n"
                "    return h / peak if peak else np.zeros_like(h)"
            ),
            Right(  # np.where divides everywhere: an all-zero heatmap makes NumPy warn
                "def relu_normalize(heatmap):\n"
                "    h = np.maximum(np.asarray(heatmap, dtype=float), 0)\n"
                "    return np.where(h > 0, h / h.max(), 0.0)",
                prints="invalid value encountered",
            ),
            Right(  # keras.ops.relu, and a note on stderr
                "import sys\n\ndef relu_normalize(heatmap):\n"
                "    h = keras.ops.convert_to_numpy(keras.ops.relu(np.asarray(heatmap, 'float32'))).astype('float64')\n"
                "    if not h.any():\n"
                "        print('relu_normalize: no positive evidence', file=sys.stderr)\n"
                "        return h\n"
                "    return h / h.max()",
                prints="no positive evidence",
            ),
        ],
        wrong=[
            Wrong(  # no ReLU: negative evidence kept
                "def relu_normalize(heatmap):\n"
                "    heatmap = np.asarray(heatmap, float)\n"
                "    return heatmap / heatmap.max()",
                "should become",
            ),
            Wrong(  # divides by the largest absolute value
                "def relu_normalize(heatmap):\n"
                "    h = np.asarray(heatmap, dtype=float)\n"
                "    peak = np.abs(h).max()\n"
                "    return np.maximum(h, 0) / peak if peak else np.zeros_like(h)",
                "not by the largest absolute value",
            ),
            Wrong(  # min-max scaling after the ReLU: right whenever some value is negative
                "def relu_normalize(heatmap):\n"
                "    h = np.maximum(np.asarray(heatmap, dtype=float), 0)\n"
                "    span = h.max() - h.min()\n"
                "    return (h - h.min()) / span if span > 0 else np.zeros_like(h)",
                "do not subtract the minimum",
            ),
            Wrong(  # no guard: nothing positive gives 0 / 0
                "def relu_normalize(heatmap):\n"
                "    h = np.maximum(np.asarray(heatmap, dtype=float), 0)\n"
                "    return h / h.max()",
                "zeros, not NaN",
            ),
            Wrong(  # sets the caller's negative values to 0
                "def relu_normalize(heatmap):\n"
                "    h = np.asarray(heatmap, dtype=float)\n"
                "    h[h < 0] = 0\n"
                "    return h / h.max() if h.max() > 0 else h",
                "must not change its input",
            ),
            Wrong(  # clips to 0..1 instead of dividing by the maximum
                "def relu_normalize(heatmap):\n    return np.clip(np.asarray(heatmap, dtype=float), 0, 1)",
                "should become",
            ),
            Wrong(  # the class-activation maps' own scaling
                "def relu_normalize(heatmap):\n"
                "    h = np.asarray(heatmap, 'float32')\n"
                "    maps = np.maximum(h.reshape(1, -1, h.shape[-1]), 0)\n"
                "    return np.asarray(heatmaps._scaled(maps)).reshape(h.shape)",
                SHORTCUT,
            ),
        ],
    ),
    "grad_cam_heatmap": Exercise(
        "test_grad_cam_heatmap",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def grad_cam_heatmap(feature_maps, gradients):\n"
                "    weights = pooled_gradients(gradients)\n"
                "    return relu_normalize(np.sum(feature_maps * weights, axis=2))"
            ),
            Right(  # np.einsum, the ReLU and the normalisation inline
                "def grad_cam_heatmap(feature_maps, gradients):\n"
                "    weights = np.asarray(gradients, dtype=float).mean(axis=(0, 1))\n"
                "    cam = np.maximum(np.einsum('hwc,c->hw', np.asarray(feature_maps, dtype=float), weights), 0)\n"
                "    return cam / cam.max() if cam.max() > 0 else cam"
            ),
            Right(  # the mean over the channels instead of the sum (the normalisation removes the scale), keras.ops
                "import sys\n\ndef grad_cam_heatmap(feature_maps, gradients):\n"
                "    print('grad_cam_heatmap: averaging the weighted channels', file=sys.stderr)\n"
                "    maps = keras.ops.convert_to_tensor(np.asarray(feature_maps, 'float32'))\n"
                "    weights = keras.ops.mean(keras.ops.convert_to_tensor(np.asarray(gradients, 'float32')), axis=(0, "
                "1))\n"
                "    cam = keras.ops.convert_to_numpy(keras.ops.relu(keras.ops.mean(maps * weights, axis=-1)))\n"
                "    return cam / cam.max() if cam.max() > 0 else np.zeros_like(cam)",
                prints="averaging the weighted channels",
            ),
            Right(  # the two functions above, np.tensordot, and a warning
                "import warnings\n\ndef grad_cam_heatmap(feature_maps, gradients):\n"
                "    weights = pooled_gradients(gradients)\n"
                "    cam = np.tensordot(np.asarray(feature_maps), weights, axes=([2], [0]))\n"
                "    warnings.warn(f'grad_cam_heatmap: {len(weights)} channels', UserWarning)\n"
                "    return relu_normalize(cam)",
                prints="grad_cam_heatmap: 1280 channels",
            ),
        ],
        wrong=[
            Wrong(  # the plain mean of the feature maps: gradients ignored
                "def grad_cam_heatmap(feature_maps, grads):\n"
                "    heatmap = np.maximum(np.asarray(feature_maps).mean(axis=-1), 0)\n"
                "    return heatmap / heatmap.max()",
                "differs from the course's Grad-CAM",
            ),
            Wrong(  # the gradient at each position, not pooled
                "def grad_cam_heatmap(feature_maps, gradients):\n"
                "    return relu_normalize((np.asarray(feature_maps) * np.asarray(gradients)).sum(axis=-1))",
                "differs from the course's Grad-CAM|averaged over positions",
            ),
            Wrong(  # no ReLU: divides the weighted sum by its largest absolute value
                "def grad_cam_heatmap(feature_maps, gradients):\n"
                "    cam = (np.asarray(feature_maps) * pooled_gradients(gradients)).sum(axis=-1)\n"
                "    return cam / np.abs(cam).max()",
                "differs from the course's Grad-CAM|then ReLU and normalise",
            ),
            Wrong(  # the arguments swapped
                "def grad_cam_heatmap(feature_maps, gradients):\n"
                "    return relu_normalize((np.asarray(gradients) * pooled_gradients(feature_maps)).sum(axis=-1))",
                "differs from the course's Grad-CAM",
            ),
            Wrong(  # normalises without a guard: NaN where there is no evidence for the class
                "def grad_cam_heatmap(feature_maps, gradients):\n"
                "    cam = np.maximum((np.asarray(feature_maps) * pooled_gradients(gradients)).sum(axis=-1), 0)\n"
                "    return cam / cam.max()",
                "zeros, not NaN",
            ),
            Wrong(  # the course's Grad-CAM of Chelsea, whatever the arguments
                "def grad_cam_heatmap(feature_maps, gradients):\n    return grad_cam(chelsea_224, top_class)",
                SHORTCUT,
            ),
        ],
    ),
    "occlusion_map": Exercise(
        "test_occlusion_map",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.array(image, dtype=float)\n"
                "    rows = (image.shape[0] - patch) // stride + 1\n"
                "    cols = (image.shape[1] - patch) // stride + 1\n"
                "    copies = []\n"
                "    for i in range(rows):\n"
                "        for j in range(cols):\n"
                "            copy = image.copy()\n"
                "            copy[i * stride : i * stride + patch, j * stride : j * stride + patch] = fill\n"
                "            copies.append(copy)\n"
                "    scores = np.asarray(score_fn(np.array(copies)))\n"
                "    base = np.asarray(score_fn(image[np.newaxis]))[0]\n"
                "    return (base - scores).reshape(rows, cols)"
            ),
            Right(  # one occluded image at a time, a list of lists
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype=float)\n"
                "    base = float(np.asarray(score_fn(image[None]))[0])\n"
                "    rows = []\n"
                "    for top in range(0, image.shape[0] - patch + 1, stride):\n"
                "        row = []\n"
                "        for left in range(0, image.shape[1] - patch + 1, stride):\n"
                "            occluded = image.copy()\n"
                "            occluded[top:top + patch, left:left + patch] = fill\n"
                "            row.append(base - float(np.asarray(score_fn(occluded[None]))[0]))\n"
                "        rows.append(row)\n"
                "    return np.array(rows)"
            ),
            Right(  # masks by broadcasting, the image and its occluded copies in one call
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    x = np.asarray(image, dtype='float64')\n"
                "    h, w = x.shape[:2]\n"
                "    tops, lefts = np.arange(0, h - patch + 1, stride), np.arange(0, w - patch + 1, stride)\n"
                "    rows_in = (np.arange(h) >= tops[:, None]) & (np.arange(h) < tops[:, None] + patch)\n"
                "    cols_in = (np.arange(w) >= lefts[:, None]) & (np.arange(w) < lefts[:, None] + patch)\n"
                "    mask = rows_in[:, None, :, None] & cols_in[None, :, None, :]\n"
                "    occluded = np.where(mask[..., None], fill, x).reshape(-1, h, w, x.shape[2])\n"
                "    scores = np.asarray(score_fn(np.concatenate([x[None], occluded])))\n"
                "    return (scores[0] - scores[1:]).reshape(len(tops), len(lefts))"
            ),
            Right(  # the sizes by formula, a note on stderr
                "import sys\n\ndef occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.array(image, dtype='float32')\n"
                "    rows, cols = (image.shape[0] - patch) // stride + 1, (image.shape[1] - patch) // stride + 1\n"
                "    print(f'occlusion_map: {rows * cols} occluded copies', file=sys.stderr)\n"
                "    batch = np.stack([image] * (rows * cols))\n"
                "    for n in range(rows * cols):\n"
                "        i, j = divmod(n, cols)\n"
                "        batch[n, i * stride:i * stride + patch, j * stride:j * stride + patch] = fill\n"
                "    return (np.asarray(score_fn(image[None]))[0] - np.asarray(score_fn(batch))).reshape(rows, cols)",
                prints="occluded copies",
            ),
        ],
        wrong=[
            Wrong(  # scores what the patch hides (image - occluded), right only for a linear score
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype=float)\n"
                "    tops = range(0, image.shape[0] - patch + 1, stride)\n"
                "    lefts = range(0, image.shape[1] - patch + 1, stride)\n"
                "    hidden = np.zeros((len(tops) * len(lefts), *image.shape))\n"
                "    for n, (t, l) in enumerate((t, l) for t in tops for l in lefts):\n"
                "        hidden[n, t:t + patch, l:l + patch] = image[t:t + patch, l:l + patch] - fill\n"
                "    return np.asarray(score_fn(hidden)).reshape(len(tops), len(lefts))",
                "not linear",
            ),
            Wrong(  # the course's own occlusion, which the explorer uses
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    return heatmaps.occlusion(score_fn, image, patch, stride, fill)",
                SHORTCUT,
            ),
            Wrong(  # also counts the patches that stick out of the image
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    base = np.asarray(score_fn(image[None]))[0]\n"
                "    rows = []\n"
                "    for top in range(0, image.shape[0], stride):\n"
                "        row = []\n"
                "        for left in range(0, image.shape[1], stride):\n"
                "            occluded = image.copy()\n"
                "            occluded[top:top + patch, left:left + patch] = fill\n"
                "            row.append(base - np.asarray(score_fn(occluded[None]))[0])\n"
                "        rows.append(row)\n"
                "    return np.array(rows)",
                "only patches that fit",
            ),
            Wrong(  # as many positions as strides fit in the side: right whenever patch <= stride + residue
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    rows, cols = image.shape[0] // stride, image.shape[1] // stride\n"
                "    batch = np.repeat(image[None], rows * cols, axis=0)\n"
                "    for n in range(rows * cols):\n"
                "        i, j = divmod(n, cols)\n"
                "        batch[n, i * stride:i * stride + patch, j * stride:j * stride + patch] = fill\n"
                "    return (np.asarray(score_fn(image[None]))[0] - np.asarray(score_fn(batch))).reshape(rows, cols)",
                "only patches that fit",
            ),
            Wrong(  # the last position left out: range(0, height - patch, stride)
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    tops, lefts = range(0, image.shape[0] - patch, stride), range(0, image.shape[1] - patch, stride)\n"
                "    batch = np.repeat(image[None], len(tops) * len(lefts), axis=0)\n"
                "    for n, (t, l) in enumerate((t, l) for t in tops for l in lefts):\n"
                "        batch[n, t:t + patch, l:l + patch] = fill\n"
                "    return (np.asarray(score_fn(image[None]))[0] - np.asarray(score_fn(batch))).reshape(len(tops), "
                "len(lefts))",
                "3x3 positions",
            ),
            Wrong(  # occluded minus original: the sign flipped
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    tops, lefts = range(0, image.shape[0] - patch + 1, stride), range(0, image.shape[1] - patch + 1, "
                "stride)\n"
                "    batch = np.repeat(image[None], len(tops) * len(lefts), axis=0)\n"
                "    for n, (t, l) in enumerate((t, l) for t in tops for l in lefts):\n"
                "        batch[n, t:t + patch, l:l + patch] = fill\n"
                "    return (np.asarray(score_fn(batch)) - np.asarray(score_fn(image[None]))[0]).reshape(len(tops), "
                "len(lefts))",
                "score of the image minus score of the occluded",
            ),
            Wrong(  # always grey, whatever fill says
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    tops, lefts = range(0, image.shape[0] - patch + 1, stride), range(0, image.shape[1] - patch + 1, "
                "stride)\n"
                "    batch = np.repeat(image[None], len(tops) * len(lefts), axis=0)\n"
                "    for n, (t, l) in enumerate((t, l) for t in tops for l in lefts):\n"
                "        batch[n, t:t + patch, l:l + patch] = 128.0\n"
                "    return (np.asarray(score_fn(image[None]))[0] - np.asarray(score_fn(batch))).reshape(len(tops), "
                "len(lefts))",
                "use the fill value you are given",
            ),
            Wrong(  # a black patch by default
                "def occlusion_map(score_fn, image, patch, stride, fill=0.0):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    tops, lefts = range(0, image.shape[0] - patch + 1, stride), range(0, image.shape[1] - patch + 1, "
                "stride)\n"
                "    batch = np.repeat(image[None], len(tops) * len(lefts), axis=0)\n"
                "    for n, (t, l) in enumerate((t, l) for t in tops for l in lefts):\n"
                "        batch[n, t:t + patch, l:l + patch] = fill\n"
                "    return (np.asarray(score_fn(image[None]))[0] - np.asarray(score_fn(batch))).reshape(len(tops), "
                "len(lefts))",
                "fill=128.0 by default",
            ),
            Wrong(  # copies in the image's own dtype: a uint8 image rounds the fill
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image)\n"
                "    tops, lefts = range(0, image.shape[0] - patch + 1, stride), range(0, image.shape[1] - patch + 1, "
                "stride)\n"
                "    batch = np.repeat(image[None], len(tops) * len(lefts), axis=0)\n"
                "    for n, (t, l) in enumerate((t, l) for t in tops for l in lefts):\n"
                "        batch[n, t:t + patch, l:l + patch] = fill\n"
                "    return (np.asarray(score_fn(image[None]))[0] - np.asarray(score_fn(batch))).reshape(len(tops), "
                "len(lefts))",
                "uint8",
            ),
            Wrong(  # the columns enumerated first, then laid out as rows
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype='float32')\n"
                "    tops, lefts = range(0, image.shape[0] - patch + 1, stride), range(0, image.shape[1] - patch + 1, "
                "stride)\n"
                "    batch = np.repeat(image[None], len(tops) * len(lefts), axis=0)\n"
                "    for n, (l, t) in enumerate((l, t) for l in lefts for t in tops):\n"
                "        batch[n, t:t + patch, l:l + patch] = fill\n"
                "    return (np.asarray(score_fn(image[None]))[0] - np.asarray(score_fn(batch))).reshape(len(tops), "
                "len(lefts))",
                "wrong order",
            ),
            Wrong(  # occludes the caller's image and "restores" it from a view, which holds the fill by then
                "def occlusion_map(score_fn, image, patch, stride, fill=128.0):\n"
                "    image = np.asarray(image, dtype=float)\n"
                "    base = np.asarray(score_fn(image[None]))[0]\n"
                "    tops, lefts = range(0, image.shape[0] - patch + 1, stride), range(0, image.shape[1] - patch + 1, "
                "stride)\n"
                "    drops = np.zeros((len(tops), len(lefts)))\n"
                "    for i, t in enumerate(tops):\n"
                "        for j, l in enumerate(lefts):\n"
                "            saved = image[t:t + patch, l:l + patch]\n"
                "            image[t:t + patch, l:l + patch] = fill\n"
                "            drops[i, j] = base - np.asarray(score_fn(image[None]))[0]\n"
                "            image[t:t + patch, l:l + patch] = saved\n"
                "    return drops",
                "must not change its input",
            ),
        ],
    ),
    "unpooled_heatmap": Exercise(
        "test_unpooled_heatmap",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def unpooled_heatmap(feature_maps, gradients):\n"
                "    return relu_normalize(np.sum(feature_maps * gradients, axis=-1))"
            ),
            Right(  # einsum, then the ReLU and the scaling written out
                "def unpooled_heatmap(feature_maps, gradients):\n"
                "    h = np.maximum(np.einsum('ijk,ijk->ij', np.asarray(feature_maps, float), np.asarray(gradients, "
                "float)), 0)\n"
                "    return h / h.max() if h.max() > 0 else h"
            ),
            Right(  # with the student's relu_normalize, in float32, and a warning
                "import warnings\n\ndef unpooled_heatmap(feature_maps, gradients):\n"
                "    warnings.warn('unpooled_heatmap: gradient x activation', UserWarning)\n"
                "    product = np.multiply(np.asarray(feature_maps, 'float32'), np.asarray(gradients, 'float32'))\n"
                "    return relu_normalize(np.sum(product, axis=2))",
                prints="gradient x activation",
            ),
        ],
        wrong=[
            Wrong(  # pools anyway: Grad-CAM again
                "def unpooled_heatmap(feature_maps, gradients):\n    return grad_cam_heatmap(feature_maps, gradients)",
                "do not average the gradients",
            ),
            Wrong(  # no ReLU: the evidence against the class is kept and rescaled
                "def unpooled_heatmap(feature_maps, gradients):\n"
                "    h = (np.asarray(feature_maps, float) * gradients).sum(-1)\n"
                "    return (h - h.min()) / (h.max() - h.min())",
                "ReLU|multiply feature maps|the map is the same",
            ),
            Wrong(  # sums over the positions instead of the channels
                "def unpooled_heatmap(feature_maps, gradients):\n"
                "    return relu_normalize((np.asarray(feature_maps, float) * gradients).sum(axis=(0, 1)))",
                "one value per position",
            ),
            Wrong(  # the absolute value: evidence against counts as evidence for
                "def unpooled_heatmap(feature_maps, gradients):\n"
                "    return relu_normalize(np.abs((np.asarray(feature_maps, float) * gradients).sum(-1)))",
                "multiply feature maps|no positive evidence|random|the map is the same",
            ),
            Wrong(
                "def unpooled_heatmap(feature_maps, gradients):\n"
                "    h = np.asarray(feature_maps, 'float32') * np.asarray(gradients, 'float32')\n"
                "    return np.asarray(heatmaps._scaled(np.maximum(h.sum(-1), 0)[None]))[0]",
                SHORTCUT,
            ),
        ],
    ),
    "grad_cam_plus_plus_weights": Exercise(
        "test_grad_cam_plus_plus_weights",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    g = np.asarray(gradients, dtype=float)\n"
                "    total = np.sum(feature_maps, axis=(0, 1))\n"
                "    denominator = 2 * g**2 + total * g**3\n"
                "    alpha = np.zeros_like(g)\n"
                "    nonzero = denominator != 0\n"
                "    alpha[nonzero] = g[nonzero] ** 2 / denominator[nonzero]\n"
                "    return np.sum(alpha * np.maximum(g, 0), axis=(0, 1))"
            ),
            Right(  # np.divide with where=, in float32
                "def grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    a, g = np.asarray(feature_maps, 'float32'), np.asarray(gradients, 'float32')\n"
                "    denominator = 2 * g * g + a.sum(axis=(0, 1), keepdims=True) * g ** 3\n"
                "    alpha = np.divide(g * g, denominator, out=np.zeros_like(g), where=denominator != 0)\n"
                "    return np.sum(alpha * np.clip(g, 0, None), axis=(0, 1))"
            ),
            Right(  # channel by channel, with errstate and nan_to_num, and a print to stderr
                "import sys\n\ndef grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    print('grad_cam_plus_plus_weights: one channel at a time', file=sys.stderr)\n"
                "    a, g = np.asarray(feature_maps, float), np.asarray(gradients, float)\n"
                "    weights = []\n"
                "    for k in range(a.shape[-1]):\n"
                "        gk = g[..., k]\n"
                "        with np.errstate(divide='ignore', invalid='ignore'):\n"
                "            alpha = np.nan_to_num(gk ** 2 / (2 * gk ** 2 + a[..., k].sum() * gk ** 3), nan=0.0, "
                "posinf=0.0, neginf=0.0)\n"
                "        weights.append(float((alpha * np.maximum(gk, 0)).sum()))\n"
                "    return np.array(weights)",
                prints="one channel at a time",
            ),
        ],
        wrong=[
            Wrong(  # Grad-CAM's weights
                "def grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    return np.asarray(gradients, float).mean(axis=(0, 1))",
                "Grad-CAM's weights|cannot be negative",
            ),
            Wrong(  # the gradient instead of its ReLU
                "def grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    a, g = np.asarray(feature_maps, float), np.asarray(gradients, float)\n"
                "    d = 2 * g**2 + a.sum(axis=(0, 1)) * g**3\n"
                "    alpha = np.divide(g**2, d, out=np.zeros_like(g), where=d != 0)\n"
                "    return (alpha * g).sum(axis=(0, 1))",
                "only the positive gradients|cannot be negative",
            ),
            Wrong(  # the sum in the denominator over the channels at each position
                "def grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    a, g = np.asarray(feature_maps, float), np.asarray(gradients, float)\n"
                "    d = 2 * g**2 + a.sum(axis=-1, keepdims=True) * g**3\n"
                "    alpha = np.divide(g**2, d, out=np.zeros_like(g), where=d != 0)\n"
                "    return (alpha * np.maximum(g, 0)).sum(axis=(0, 1))",
                "sum\\(A_k\\)",
            ),
            Wrong(  # divides by zero: NaN where the gradient is 0
                "def grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    a, g = np.asarray(feature_maps, float), np.asarray(gradients, float)\n"
                "    with np.errstate(all='ignore'):\n"
                "        alpha = g**2 / (2 * g**2 + a.sum(axis=(0, 1)) * g**3)\n"
                "    return (alpha * np.maximum(g, 0)).sum(axis=(0, 1))",
                "alpha = 0|not NaN|wrong weights",
            ),
            Wrong(
                "def grad_cam_plus_plus_weights(feature_maps, gradients):\n"
                "    a, g = (np.asarray(x, 'float32')[None] for x in (feature_maps, gradients))\n"
                "    return np.asarray(heatmaps.GradCamPlusPlus.channel_weights(None, a, g))[0, 0, 0]",
                SHORTCUT,
            ),
        ],
    ),
    "curve_area": Exercise(
        "test_curve_area",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def curve_area(fractions, scores):\n"
                "    area = 0.0\n"
                "    for i in range(len(fractions) - 1):\n"
                "        area += (fractions[i + 1] - fractions[i]) * (scores[i] + scores[i + 1]) / 2\n"
                "    return area"
            ),
            Right("def curve_area(fractions, scores):\n    return float(np.trapezoid(scores, fractions))"),
            Right(  # a loop, and a DeprecationWarning
                "import warnings\n\ndef curve_area(fractions, scores):\n"
                "    warnings.warn('curve_area: use np.trapezoid', DeprecationWarning)\n"
                "    total = 0.0\n"
                "    for (x0, y0), (x1, y1) in zip(zip(fractions, scores), zip(fractions[1:], scores[1:])):\n"
                "        total += (x1 - x0) * (y0 + y1) / 2\n"
                "    return total",
                prints="use np.trapezoid",
            ),
        ],
        wrong=[
            Wrong(
                "def curve_area(fractions, scores):\n    return float(np.mean(scores))",
                "equal steps|trapezoids over steps",
            ),
            Wrong(  # left rectangles
                "def curve_area(fractions, scores):\n"
                "    x, y = np.asarray(fractions, float), np.asarray(scores, float)\n"
                "    return float(np.sum(np.diff(x) * y[:-1]))",
                "area 0.5|rectangles",
            ),
            Wrong(  # the arguments swapped
                "def curve_area(fractions, scores):\n    return float(np.trapezoid(fractions, scores))",
                "constant curve|area 0.5|trapezoids",
            ),
            Wrong(  # the sum of the scores times the last step
                "def curve_area(fractions, scores):\n"
                "    x, y = np.asarray(fractions, float), np.asarray(scores, float)\n"
                "    return float((y[1:] + y[:-1]).sum() / 2 * (x[1] - x[0]))",
                "trapezoids over steps",
            ),
            Wrong("def curve_area(fractions, scores):\n    return faithfulness.area(fractions, scores)", SHORTCUT),
        ],
    ),
    "rank_correlation": Exercise(
        "test_rank_correlation",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def rank_correlation(a, b):\n"
                "    a, b = np.ravel(a).astype(float), np.ravel(b).astype(float)\n"
                "    if a.min() == a.max() or b.min() == b.max():\n"
                "        return 0.0\n\n"
                "    def ranks(x):\n"
                "        r = np.zeros(len(x))\n"
                "        r[np.argsort(x)] = np.arange(len(x))\n"
                "        for value in np.unique(x):\n"
                "            r[x == value] = r[x == value].mean()\n"
                "        return r\n\n"
                "    return np.corrcoef(ranks(a), ranks(b))[0, 1]"
            ),
            Right(  # SciPy's ranks (1 for the smallest: the same correlation), with a warning
                "import warnings\nfrom scipy.stats import rankdata\n\ndef rank_correlation(a, b):\n"
                "    warnings.warn('rank_correlation: ranks from scipy.stats.rankdata', UserWarning)\n"
                "    a, b = np.ravel(a), np.ravel(b)\n"
                "    if np.ptp(a) == 0 or np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    return float(np.corrcoef(rankdata(a), rankdata(b))[0, 1])",
                prints="ranks from scipy.stats.rankdata",
            ),
            Right(  # SciPy's Spearman correlation itself, on stderr
                "import sys\nfrom scipy import stats\n\ndef rank_correlation(a, b):\n"
                "    print('rank_correlation: scipy.stats.spearmanr', file=sys.stderr)\n"
                "    if np.ptp(a) == 0 or np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    return float(stats.spearmanr(np.ravel(a), np.ravel(b)).statistic)",
                prints="scipy.stats.spearmanr",
            ),
        ],
        wrong=[
            Wrong(  # ranks from a stable sort: ties get different ranks
                "def rank_correlation(a, b):\n"
                "    ra = np.argsort(np.argsort(np.ravel(a), kind='stable'), kind='stable').astype(float)\n"
                "    rb = np.argsort(np.argsort(np.ravel(b), kind='stable'), kind='stable').astype(float)\n"
                "    if np.ptp(a) == 0 or np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    return float(np.corrcoef(ra, rb)[0, 1])",
                "share the mean",
            ),
            Wrong(  # the textbook formula 1 - 6 sum d^2 / (n (n^2 - 1)), which holds only without ties
                "def rank_correlation(a, b):\n"
                "    a, b = np.ravel(a), np.ravel(b)\n"
                "    if np.ptp(a) == 0 or np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    n = a.size\n"
                "    ra, rb = np.empty(n), np.empty(n)\n"
                "    ra[np.argsort(a)] = np.arange(n)\n"
                "    rb[np.argsort(b)] = np.arange(n)\n"
                "    return 1 - 6 * np.sum((ra - rb) ** 2) / (n * (n * n - 1))",
                "share the mean",
            ),
            Wrong(  # checks only the second map for a constant one
                "def rank_correlation(a, b):\n"
                "    a, b = np.ravel(a), np.ravel(b)\n"
                "    if np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])",
                "first map",
            ),
            Wrong(  # Pearson's correlation of the values
                "def rank_correlation(a, b):\n"
                "    a, b = np.ravel(a), np.ravel(b)\n"
                "    if np.ptp(a) == 0 or np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    return float(np.corrcoef(a, b)[0, 1])",
                "compare ranks, not values",
            ),
            Wrong(  # one argsort: the order of the positions, not their ranks
                "def rank_correlation(a, b):\n"
                "    a, b = np.ravel(a), np.ravel(b)\n"
                "    if np.ptp(a) == 0 or np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    return float(np.corrcoef(np.argsort(a), np.argsort(b))[0, 1])",
                "rank the values",
            ),
            Wrong(  # NaN for a constant map
                "def rank_correlation(a, b):\n"
                "    ra, rb = (np.argsort(np.argsort(np.ravel(x))) for x in (a, b))\n"
                "    with np.errstate(all='ignore'):\n"
                "        return float(np.corrcoef(ra, rb)[0, 1]) if np.ptp(np.ravel(b)) else float('nan')",
                "return 0.0, not NaN",
            ),
            Wrong(  # ranks each map's rows separately
                "def rank_correlation(a, b):\n"
                "    a, b = np.atleast_2d(a), np.atleast_2d(b)\n"
                "    if np.ptp(a) == 0 or np.ptp(b) == 0:\n"
                "        return 0.0\n"
                "    ra, rb = (np.argsort(np.argsort(x, axis=1), axis=1).ravel() for x in (a, b))\n"
                "    return float(np.corrcoef(ra, rb)[0, 1])",
                "wrong on two random",
            ),
            Wrong("def rank_correlation(a, b):\n    return faithfulness.rank_correlation(a, b)", SHORTCUT),
        ],
    ),
}


def test_answers_are_graded_fairly(tmp_path: Path) -> None:
    assert_fair(ASSIGNMENT, EXERCISES, tmp_path)


def _solution(grade_id: str) -> dict:
    """The namespace the solution of answer cell ``grade_id`` defines (NumPy only)."""
    (path,) = sorted((ROOT / "solutions" / ASSIGNMENT).glob("*.ipynb"))
    (cell,) = [c for c in nbformat.read(path, as_version=4).cells if cells.grade_id(c) == grade_id]
    namespace = {"np": np}
    exec(re.sub(r"^\s*### (BEGIN|END) SOLUTION\s*$", "", cell.source, flags=re.M), namespace)
    return namespace


def test_the_solutions_do_not_warn_on_flat_maps() -> None:
    """A constant feature map (a filter that found nothing) and a heatmap with nothing
    positive are common: the solutions handle them without NumPy's 0 / 0 warning."""
    normalize_map = _solution("normalize_map")["normalize_map"]
    relu_normalize = _solution("relu_normalize")["relu_normalize"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for flat in (np.zeros((3, 3)), np.full((2, 4), 7.5), np.full((2, 3), 7), np.full((4, 4), -2.0, "float32")):
            out = normalize_map(flat)
            assert out.shape == flat.shape and out.dtype.kind == "f" and not out.any()
        for nothing in (np.zeros((2, 2)), -np.ones((3, 3)), np.array([-1, 0])):
            out = relu_normalize(nothing)
            assert out.shape == nothing.shape and np.isfinite(out).all() and not out.any()
