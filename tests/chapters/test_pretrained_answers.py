"""Chapter 2 graded fairly: other correct answers keep every point (one of each warns or
prints on stderr), plausible wrong ones and the shortcuts through the course's own code earn
none, with a message naming the mistake. One autograding run (fast mode) grades them all.

Some answers start with ``base.trainable = True``: in the graded copy the base is already
frozen by the solution's cells before them, and this gives each answer the base as the
student's notebook has it (built trainable, two cells above).
"""

from __future__ import annotations

from pathlib import Path

from answers import SHORTCUT, Exercise, Right, Wrong, assert_fair

ASSIGNMENT = "02-pretrained-convnets"

FRESH = "base.trainable = True  # the base as the cell above built it\n\n"


def _count_cell(count_body: str, freeze: str) -> str:
    """The whole answer cell of exercise 1: count_trainable, then freezing the base."""
    return f"{FRESH}{count_body}\n\n\n{freeze}\n"


def _compile(body: str) -> str:
    return f"def compile_for_fine_tuning(model):\n    {body}\n"


EXERCISES = {
    "count_trainable": Exercise(
        "test_count_trainable",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def count_trainable(model):\n"
                "    total = 0\n"
                "    for weight in model.trainable_weights:\n"
                "        total += int(np.prod(weight.shape))\n"
                "    return total\n"
                "\n"
                "\n"
                'print("trainable parameters before freezing:", f"{count_trainable(base):,}")\n'
                "base.trainable = False\n"
                'print("trainable parameters after freezing: ", f"{count_trainable(base):,}")'
            ),
            Right(  # the lecture's other way to freeze: layer by layer
                _count_cell(
                    "def count_trainable(model):\n"
                    "    return sum(int(np.prod(weight.shape)) for weight in model.trainable_weights)",
                    "for layer in base.layers:\n    layer.trainable = False",
                )
            ),
            Right(
                _count_cell(
                    "import warnings\n\ndef count_trainable(model):\n"
                    "    warnings.warn('count_trainable: counting model.trainable_variables', UserWarning)\n"
                    "    return int(sum(variable.numpy().size for variable in model.trainable_variables))",
                    "base.trainable = False",
                ),
                prints="counting model.trainable_variables",
            ),
            Right(  # keras.ops, and stderr
                _count_cell(
                    "import sys\n\ndef count_trainable(model):\n"
                    "    print('count_trainable: sizes by keras.ops.size', file=sys.stderr)\n"
                    "    return int(sum(int(keras.ops.size(weight)) for weight in model.trainable_weights))",
                    "base.trainable = False",
                ),
                prints="sizes by keras.ops.size",
            ),
        ],
        wrong=[
            Wrong(  # counts tensors, not numbers
                _count_cell(
                    "def count_trainable(model):\n    return len(model.trainable_weights)", "base.trainable = False"
                ),
                "not the weight tensors",
            ),
            Wrong(  # counts the moving statistics too
                _count_cell("def count_trainable(model):\n    return model.count_params()", "base.trainable = False"),
                "moving mean and variance",
            ),
            Wrong(  # the top level's layer flags, and weights told apart by name: right on the base
                _count_cell(
                    "def count_trainable(model):\n"
                    "    return int(sum(np.prod(w.shape) for layer in model.layers if layer.trainable\n"
                    "                   for w in layer.weights if 'moving' not in w.path))",
                    "base.trainable = False",
                ),
                "nested model",
            ),
            Wrong(  # counts model.weights whose names do not say "moving", inside trainable models
                _count_cell(
                    "def count_trainable(model):\n"
                    "    if not model.trainable:\n        return 0\n"
                    "    return int(sum(np.prod(w.shape) for w in model.weights if 'moving' not in w.path))",
                    "base.trainable = False",
                ),
                "frozen layer's weights|nested model",
            ),
            Wrong(  # a comparison, not an assignment: the base stays trainable
                _count_cell(
                    "def count_trainable(model):\n"
                    "    return int(sum(np.prod(w.shape) for w in model.trainable_weights))",
                    "base.trainable == False",
                ),
                "freeze the whole base",
            ),
            Wrong(  # freezes the convolutions only, not the BatchNormalization layers
                _count_cell(
                    "def count_trainable(model):\n"
                    "    return int(sum(np.prod(w.shape) for w in model.trainable_weights))",
                    "for layer in base.layers:\n    if 'conv' in layer.name:\n        layer.trainable = False",
                ),
                "freeze the whole base",
            ),
        ],
    ),
    "extract_features": Exercise(
        "test_extract_features",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def extract_features(base, dataset):\n"
                "    features, labels = [], []\n"
                "    for images, batch_labels in dataset:\n"
                "        features.append(base.predict_on_batch(images))\n"
                "        labels.append(np.asarray(batch_labels))\n"
                "    return np.concatenate(features), np.concatenate(labels)"
            ),
            Right(
                "def extract_features(base, dataset):\n"
                "    features, labels = [], []\n"
                "    for images, batch_labels in dataset:\n"
                "        features.append(keras.ops.convert_to_numpy(base(images, training=False)))\n"
                "        labels.append(keras.ops.convert_to_numpy(batch_labels))\n"
                "    return np.concatenate(features), np.concatenate(labels)"
            ),
            Right(
                "import warnings\n\ndef extract_features(base, dataset):\n"
                "    warnings.warn('extract_features: one predict per batch', UserWarning)\n"
                "    pairs = [(base.predict(images, verbose=0), labels.numpy()) for images, labels in dataset]\n"
                "    features, labels = zip(*pairs)\n"
                "    return np.concatenate(features), np.concatenate(labels)",
                prints="one predict per batch",
            ),
            Right(  # preallocates, fills batch by batch, prints to stderr
                "import sys\n\ndef extract_features(base, dataset):\n"
                "    print('extract_features: filling arrays', file=sys.stderr)\n"
                "    features, labels, n = None, None, 0\n"
                "    for images, batch_labels in dataset.as_numpy_iterator():\n"
                "        out = np.asarray(base.predict_on_batch(images))\n"
                "        chunk = (out, np.asarray(batch_labels))\n"
                "        features = chunk[0] if features is None else np.concatenate([features, chunk[0]])\n"
                "        labels = chunk[1] if labels is None else np.concatenate([labels, chunk[1]])\n"
                "    return features, labels",
                prints="filling arrays",
            ),
        ],
        wrong=[
            Wrong(  # features and labels from two passes over a reshuffled dataset
                "def extract_features(base, dataset):\n"
                "    features = base.predict(dataset, verbose=0)\n"
                "    labels = np.concatenate([np.asarray(y) for _, y in dataset])\n"
                "    return features, labels",
                "same pass",
            ),
            Wrong(  # training mode: right on the frozen base, whose BatchNormalization stays in inference
                "def extract_features(base, dataset):\n"
                "    out = [(np.asarray(base(x, training=True)), np.asarray(y)) for x, y in dataset]\n"
                "    return np.concatenate([f for f, _ in out]), np.concatenate([y for _, y in out])",
                "inference mode",
            ),
            Wrong(  # rounds the pixels to uint8: right on photos, whose pixels are whole numbers
                "def extract_features(base, dataset):\n"
                "    out = [(np.asarray(base.predict_on_batch(np.asarray(x).astype('uint8'))), np.asarray(y))\n"
                "           for x, y in dataset]\n"
                "    return np.concatenate([f for f, _ in out]), np.concatenate([y for _, y in out])",
                "do not round",
            ),
            Wrong(  # flattens every example's features: right for pooled vectors only
                "def extract_features(base, dataset):\n"
                "    out = [(np.asarray(base.predict_on_batch(x)).reshape(len(x), -1), np.asarray(y)) for x, y in "
                "dataset]\n"
                "    return np.concatenate([f for f, _ in out]), np.concatenate([y for _, y in out])",
                "keep the shape",
            ),
            Wrong(  # the course's extraction of a whole split: right on the visible test's validation photos
                "def extract_features(base, dataset):\n"
                "    return features.extract(base, 'validation', limit_per_class=4, cache=False)",
                SHORTCUT,
            ),
            Wrong(
                "def extract_features(base, dataset):\n"
                "    out = [(features._run(base, np.asarray(x), 64, 'a batch'), np.asarray(y)) for x, y in dataset]\n"
                "    return np.concatenate([f for f, _ in out]), np.concatenate([y for _, y in out])",
                SHORTCUT,
            ),
            Wrong(
                "from course_lib.visualizing import activations\n\ndef extract_features(base, dataset):\n"
                "    out = [(activations.outputs(base, np.asarray(x))[0], np.asarray(y)) for x, y in dataset]\n"
                "    return np.concatenate([f for f, _ in out]), np.concatenate([y for _, y in out])",
                SHORTCUT,
            ),
        ],
    ),
    "cosine_neighbours": Exercise(
        "test_cosine_neighbours",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    train = train_features / np.linalg.norm(train_features, axis=1, keepdims=True)\n"
                "    queries = query_features / np.linalg.norm(query_features, axis=1, keepdims=True)\n"
                "    similarity = queries @ train.T\n"
                "    return np.argsort(similarity, axis=1)[:, ::-1][:, :k]"
            ),
            Right(  # the k best found with argpartition, then sorted
                "import sys\n\n"
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    print('cosine_neighbours: argpartition, then sort', file=sys.stderr)\n"
                "    t = np.asarray(train_features, dtype=np.float64)\n"
                "    q = np.asarray(query_features, dtype=np.float64)\n"
                "    sims = (q @ t.T) / np.outer(np.linalg.norm(q, axis=1), np.linalg.norm(t, axis=1))\n"
                "    best = np.argpartition(-sims, k - 1, axis=1)[:, :k]\n"
                "    order = np.argsort(-np.take_along_axis(sims, best, axis=1), axis=1)\n"
                "    return np.take_along_axis(best, order, axis=1)",
                prints="argpartition, then sort",
            ),
            Right(  # one query at a time, sorted() with a key, warned about
                "import warnings\n\n"
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    warnings.warn('cosine_neighbours: one query at a time', UserWarning)\n"
                "    out = []\n"
                "    for q in np.asarray(query_features, dtype=float):\n"
                "        sims = [float(np.dot(q, t) / (np.linalg.norm(q) * np.linalg.norm(t))) for t in "
                "np.asarray(train_features, dtype=float)]\n"
                "        out.append(sorted(range(len(sims)), key=lambda i: -sims[i])[:k])\n"
                "    return np.array(out, dtype=int).reshape(len(out), k)",
                prints="one query at a time",
            ),
        ],
        wrong=[
            Wrong(  # Euclidean distance: right when every vector has the same length
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    d = np.linalg.norm(query_features[:, None, :] - train_features[None, :, :], axis=2)\n"
                "    return np.argsort(d, axis=1)[:, :k]",
                "directions, not distances",
            ),
            Wrong(  # a dot product, not normalised
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    return np.argsort(-(query_features @ train_features.T), axis=1)[:, :k]",
                "both vectors' lengths",
            ),
            Wrong(  # the least similar first
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    t = train_features / np.linalg.norm(train_features, axis=1, keepdims=True)\n"
                "    q = query_features / np.linalg.norm(query_features, axis=1, keepdims=True)\n"
                "    return np.argsort(q @ t.T, axis=1)[:, :k]",
                "most similar first",
            ),
            Wrong(  # the similarities instead of the indices
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    t = train_features / np.linalg.norm(train_features, axis=1, keepdims=True)\n"
                "    q = query_features / np.linalg.norm(query_features, axis=1, keepdims=True)\n"
                "    return -np.sort(-(q @ t.T), axis=1)[:, :k]",
                "indices",
            ),
            Wrong(  # normalises the caller's arrays in place
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    train_features /= np.linalg.norm(train_features, axis=1, keepdims=True)\n"
                "    query_features /= np.linalg.norm(query_features, axis=1, keepdims=True)\n"
                "    return np.argsort(-(query_features @ train_features.T), axis=1)[:, :k]",
                "must not change",
            ),
            Wrong(  # one list for all the queries: right for a single query
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    t = train_features / np.linalg.norm(train_features, axis=1, keepdims=True)\n"
                "    q = query_features / np.linalg.norm(query_features, axis=1, keepdims=True)\n"
                "    return np.argsort(-(q @ t.T).max(axis=0))[None, :k]",
                "3 queries",
            ),
            Wrong(
                "def cosine_neighbours(train_features, query_features, k):\n"
                "    return stand_ins.cosine_neighbours(train_features, query_features, k)",
                SHORTCUT,
            ),
        ],
    ),
    "build_head": Exercise(
        "test_build_head",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def build_head(feature_shape):\n"
                "    layers = [keras.Input(shape=feature_shape)]\n"
                "    if len(feature_shape) == 3:\n"
                "        layers.append(keras.layers.GlobalAveragePooling2D())\n"
                '    layers += [keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.5), '
                'keras.layers.Dense(1, activation="sigmoid")]\n'
                "    return keras.Sequential(layers)"
            ),
            Right(  # the functional API, activations as layers of their own
                "def build_head(feature_shape):\n"
                "    inputs = keras.Input(shape=tuple(feature_shape))\n"
                "    x = keras.layers.GlobalAveragePooling2D()(inputs) if len(feature_shape) == 3 else inputs\n"
                "    x = keras.layers.ReLU()(keras.layers.Dense(256)(x))\n"
                "    x = keras.layers.Dropout(0.5)(x)\n"
                "    outputs = keras.layers.Activation('sigmoid')(keras.layers.Dense(1)(x))\n"
                "    return keras.Model(inputs, outputs)"
            ),
            Right(
                "import warnings\n\ndef build_head(feature_shape):\n"
                "    warnings.warn('build_head: a new head', UserWarning)\n"
                "    pooling = [keras.layers.GlobalAveragePooling2D()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *pooling,\n"
                "                             keras.layers.Dense(256, activation=keras.activations.relu),\n"
                "                             keras.layers.Dropout(rate=0.5),\n"
                "                             keras.layers.Dense(1, activation=keras.activations.sigmoid)])",
                prints="a new head",
            ),
            Right(
                "import sys\n\ndef build_head(feature_shape):\n"
                "    print('build_head: Activation layers', file=sys.stderr)\n"
                "    head = keras.Sequential()\n"
                "    head.add(keras.Input(shape=feature_shape))\n"
                "    if len(feature_shape) > 1:\n"
                "        head.add(keras.layers.GlobalAveragePooling2D())\n"
                "    head.add(keras.layers.Dense(256))\n"
                "    head.add(keras.layers.Activation('relu'))\n"
                "    head.add(keras.layers.Dropout(0.5))\n"
                "    head.add(keras.layers.Dense(1))\n"
                "    head.add(keras.layers.Activation('sigmoid'))\n"
                "    return head",
                prints="Activation layers",
            ),
        ],
        wrong=[
            Wrong(  # takes 1280 features whatever the shape says
                "def build_head(feature_shape):\n"
                "    shape = tuple(feature_shape) if len(feature_shape) == 3 else (1280,)\n"
                "    head = keras.Sequential([keras.Input(shape=shape)])\n"
                "    if len(shape) == 3:\n"
                "        head.add(keras.layers.GlobalAveragePooling2D())\n"
                "    head.add(keras.layers.Dense(256, activation='relu'))\n"
                "    head.add(keras.layers.Dropout(0.5))\n"
                "    head.add(keras.layers.Dense(1, activation='sigmoid'))\n"
                "    return head",
                "7 features",
            ),
            Wrong(  # no dropout
                "def build_head(feature_shape):\n"
                "    return keras.Sequential([keras.Input(feature_shape), keras.layers.Dense(256, activation='relu'),\n"
                "                             keras.layers.Dense(1, activation='sigmoid')])",
                "Dropout",
            ),
            Wrong(  # dropout on the features, before the hidden layer
                "def build_head(feature_shape):\n"
                "    pooling = [keras.layers.GlobalAveragePooling2D()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *pooling, keras.layers.Dropout(0.5),\n"
                "                             keras.layers.Dense(256, activation='relu'), keras.layers.Dense(1, "
                "activation='sigmoid')])",
                "between the two Dense layers",
            ),
            Wrong(  # a softmax over one unit: always 1
                "def build_head(feature_shape):\n"
                "    pooling = [keras.layers.GlobalAveragePooling2D()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *pooling, keras.layers.Dense(256, "
                "activation='relu'),\n"
                "                             keras.layers.Dropout(0.5), keras.layers.Dense(1, activation='softmax')])",
                "softmax over one unit",
            ),
            Wrong(  # a linear last unit
                "def build_head(feature_shape):\n"
                "    pooling = [keras.layers.GlobalAveragePooling2D()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *pooling, keras.layers.Dense(256, "
                "activation='relu'),\n"
                "                             keras.layers.Dropout(0.5), keras.layers.Dense(1)])",
                "scores, not probabilities|sigmoid",
            ),
            Wrong(  # no ReLU on the hidden layer
                "def build_head(feature_shape):\n"
                "    pooling = [keras.layers.GlobalAveragePooling2D()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *pooling, keras.layers.Dense(256),\n"
                "                             keras.layers.Dropout(0.5), keras.layers.Dense(1, activation='sigmoid')])",
                "ReLU",
            ),
            Wrong(  # another rate
                "def build_head(feature_shape):\n"
                "    pooling = [keras.layers.GlobalAveragePooling2D()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *pooling, keras.layers.Dense(256, "
                "activation='relu'),\n"
                "                             keras.layers.Dropout(0.2), keras.layers.Dense(1, activation='sigmoid')])",
                "Dropout\\(0.5\\)",
            ),
            Wrong(  # the book's Flatten on feature maps
                "def build_head(feature_shape):\n"
                "    flatten = [keras.layers.Flatten()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *flatten, keras.layers.Dense(256, "
                "activation='relu'),\n"
                "                             keras.layers.Dropout(0.5), keras.layers.Dense(1, activation='sigmoid')])",
                "GlobalAveragePooling2D",
            ),
            Wrong(  # the maximum of each map, not its mean
                "def build_head(feature_shape):\n"
                "    pooling = [keras.layers.GlobalMaxPooling2D()] if len(feature_shape) == 3 else []\n"
                "    return keras.Sequential([keras.Input(feature_shape), *pooling, keras.layers.Dense(256, "
                "activation='relu'),\n"
                "                             keras.layers.Dropout(0.5), keras.layers.Dense(1, activation='sigmoid')])",
                "average each channel",
            ),
            Wrong(
                "def build_head(feature_shape):\n    return models.classifier_head(feature_shape)",
                SHORTCUT,
            ),
        ],
    ),
    "augmented_model": Exercise(
        "test_augmented_model",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def augmented_model(base, head, augmentation):\n"
                "    inputs = keras.Input(base.input_shape[1:])\n"
                "    features = base(augmentation(inputs), training=False)\n"
                "    return keras.Model(inputs, head(features))"
            ),
            Right(  # the input shape from the base's input tensor, layer by layer
                "def augmented_model(base, head, augmentation):\n"
                "    x = inputs = keras.Input(shape=tuple(base.inputs[0].shape[1:]))\n"
                "    x = augmentation(x)\n"
                "    x = base(x, training=False)\n"
                "    outputs = head(x)\n"
                "    return keras.Model(inputs=inputs, outputs=outputs)"
            ),
            Right(  # a Sequential model: right with a frozen base, whose BatchNormalization stays in inference mode
                "def augmented_model(base, head, augmentation):\n"
                "    return keras.Sequential([keras.Input(base.input_shape[1:]), augmentation, base, head])"
            ),
            Right(  # the functional API in one expression, with a warning
                "import warnings\n\ndef augmented_model(base, head, augmentation):\n"
                "    warnings.warn('augmented_model: the base stays in inference mode', UserWarning)\n"
                "    inputs = keras.layers.Input(base.input_shape[1:])\n"
                "    return keras.models.Model(inputs=inputs, outputs=head(base(augmentation(inputs), "
                "training=False)))",
                prints="stays in inference mode",
            ),
        ],
        wrong=[
            Wrong(  # forgets the augmentation
                "def augmented_model(base, head, augmentation):\n"
                "    inputs = keras.Input(base.input_shape[1:])\n"
                "    return keras.Model(inputs, head(base(inputs, training=False)))",
                "go through the augmentation",
            ),
            Wrong(  # a new head instead of the trained one
                "def augmented_model(base, head, augmentation):\n"
                "    inputs = keras.Input(base.input_shape[1:])\n"
                "    x = base(augmentation(inputs), training=False)\n"
                "    fresh = keras.models.clone_model(head)\n"
                "    return keras.Model(inputs, fresh(x))",
                "the head you are given",
            ),
            Wrong(  # the course's augmentation instead of the one it is given
                "def augmented_model(base, head, augmentation):\n"
                "    inputs = keras.Input(base.input_shape[1:])\n"
                "    x = models.augmentation(seed=0)(inputs)\n"
                "    return keras.Model(inputs, head(base(x, training=False)))",
                "augment first|augmentation",
            ),
            Wrong(  # forgets the head: the model ends with the base's features
                "def augmented_model(base, head, augmentation):\n"
                "    inputs = keras.Input(base.input_shape[1:])\n"
                "    return keras.Model(inputs, base(augmentation(inputs), training=False))",
                "one probability per photo",
            ),
            Wrong(  # a fixed input size: right for the course's base only
                "def augmented_model(base, head, augmentation):\n"
                "    inputs = keras.Input((IMAGE_SIZE, IMAGE_SIZE, 3))\n"
                "    return keras.Model(inputs, head(base(augmentation(inputs), training=False)))",
                "base.input_shape",
            ),
        ],
    ),
    "predict_with_mirror": Exercise(
        "test_predict_with_mirror",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def predict_with_mirror(model, images):\n"
                "    plain = model.predict(images, verbose=0)\n"
                "    mirrored = model.predict(np.flip(images, axis=2), verbose=0)\n"
                "    return ((plain + mirrored) / 2).reshape(len(images))"
            ),
            Right(
                "def predict_with_mirror(model, images):\n"
                "    images = np.asarray(images, 'float32')\n"
                "    plain = keras.ops.convert_to_numpy(model(images, training=False))\n"
                "    mirrored = keras.ops.convert_to_numpy(model(np.flip(images, axis=2), training=False))\n"
                "    return ((plain + mirrored) / 2).reshape(-1)"
            ),
            Right(  # TensorFlow's flip, one predict over both halves
                "import warnings\nimport tensorflow as tf\n\ndef predict_with_mirror(model, images):\n"
                "    warnings.warn('predict_with_mirror: one pass over both', UserWarning)\n"
                "    both = np.concatenate([images, tf.image.flip_left_right(images).numpy()])\n"
                "    return model.predict(both, verbose=0).reshape(2, -1).mean(axis=0)",
                prints="one pass over both",
            ),
            Right(
                "import sys\n\ndef predict_with_mirror(model, images):\n"
                "    print('predict_with_mirror: keras.ops.flip', file=sys.stderr)\n"
                "    mirrored = keras.ops.convert_to_numpy(keras.ops.flip(keras.ops.convert_to_tensor(images), "
                "axis=2))\n"
                "    outputs = [np.asarray(model.predict_on_batch(x)) for x in (np.asarray(images), mirrored)]\n"
                "    return np.mean(np.stack(outputs), axis=0)[:, 0]",
                prints="keras.ops.flip",
            ),
        ],
        wrong=[
            Wrong(  # squeezes: one image gives a shape () array
                "def predict_with_mirror(model, images):\n"
                "    both = model.predict(images, verbose=0) + model.predict(images[:, :, ::-1], verbose=0)\n"
                "    return np.squeeze(both) / 2",
                "squeeze",
            ),
            Wrong(  # the course's stand-in (this exercise's test names no course function: the grader still refuses it)
                "def predict_with_mirror(model, images):\n    return stand_ins.predict_with_mirror(model, images)",
                SHORTCUT,
            ),
            Wrong(  # mirrors upside down
                "def predict_with_mirror(model, images):\n"
                "    return (model.predict(images, verbose=0) + model.predict(images[:, ::-1], verbose=0)).ravel() / 2",
                "left to right",
            ),
            Wrong(  # np.fliplr flips axis 1 of a batch: upside down
                "def predict_with_mirror(model, images):\n"
                "    return (model.predict(images, verbose=0) + model.predict(np.fliplr(images), verbose=0)).ravel() / "
                "2",
                "np.fliplr",
            ),
            Wrong(  # flips the colour channels
                "def predict_with_mirror(model, images):\n"
                "    return (model.predict(images, verbose=0) + model.predict(images[..., ::-1], verbose=0)).ravel() / "
                "2",
                "colour channels",
            ),
            Wrong(  # reverses the order of the images
                "def predict_with_mirror(model, images):\n"
                "    return (model.predict(images, verbose=0) + model.predict(images[::-1], verbose=0)).ravel() / 2",
                "order of the images",
            ),
            Wrong(  # averages the images instead of the outputs
                "def predict_with_mirror(model, images):\n"
                "    images = np.asarray(images, 'float32')\n"
                "    return model.predict((images + images[:, :, ::-1]) / 2, verbose=0).ravel()",
                "not linear",
            ),
            Wrong(  # adds the two outputs without halving
                "def predict_with_mirror(model, images):\n"
                "    return (model.predict(images, verbose=0) + model.predict(images[:, :, ::-1], verbose=0)).ravel()",
                "between 0 and 1|divide by 2",
            ),
        ],
    ),
    "unfreeze_top": Exercise(
        "test_unfreeze_top",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    seen = False\n"
                "    for layer in base.layers:\n"
                "        if layer.name == first_layer:\n"
                "            seen = True\n"
                "        layer.trainable = seen and not isinstance(layer, keras.layers.BatchNormalization)"
            ),
            Right(  # one pass, a flag that turns on at first_layer
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    reached = False\n"
                "    for layer in base.layers:\n"
                "        reached = reached or layer.name == first_layer\n"
                "        layer.trainable = reached and not isinstance(layer, keras.layers.BatchNormalization)"
            ),
            Right(
                "import warnings\n\ndef unfreeze_top(base, first_layer):\n"
                "    warnings.warn('unfreeze_top: slicing base.layers', UserWarning)\n"
                "    base.trainable = True\n"
                "    start = base.layers.index(base.get_layer(first_layer))\n"
                "    for layer in base.layers[:start]:\n"
                "        layer.trainable = False\n"
                "    for layer in base.layers[start:]:\n"
                "        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)",
                prints="slicing base.layers",
            ),
            Right(  # the position by a generator, the class by its name; stderr
                "import sys\n\ndef unfreeze_top(base, first_layer):\n"
                "    print('unfreeze_top: from', first_layer, file=sys.stderr)\n"
                "    start = next(i for i, layer in enumerate(base.layers) if layer.name == first_layer)\n"
                "    base.trainable = True\n"
                "    for i, layer in enumerate(base.layers):\n"
                "        is_batch_norm = type(layer).__name__ == 'BatchNormalization'\n"
                "        layer.trainable = i >= start and not is_batch_norm",
                prints="unfreeze_top: from block7a_expand_conv",
            ),
        ],
        wrong=[
            Wrong(  # unfreezes the BatchNormalization layers of the top too
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    names = [layer.name for layer in base.layers]\n"
                "    for index, layer in enumerate(base.layers):\n"
                "        layer.trainable = index >= names.index(first_layer)",
                "BatchNormalization",
            ),
            Wrong(  # names that sort after first_layer, not the layers that come after it
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    for layer in base.layers:\n"
                "        layer.trainable = layer.name >= first_layer and not isinstance(layer, "
                "keras.layers.BatchNormalization)",
                "stem_conv",
            ),
            Wrong(  # tells BatchNormalization layers by EfficientNet's names
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    names = [layer.name for layer in base.layers]\n"
                "    for index, layer in enumerate(base.layers):\n"
                "        layer.trainable = index >= names.index(first_layer) and not layer.name.endswith('bn')",
                "whatever their names",
            ),
            Wrong(  # the lecture's layer, whatever first_layer says
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    names = [layer.name for layer in base.layers]\n"
                "    for index, layer in enumerate(base.layers):\n"
                "        layer.trainable = (index >= names.index('block7a_expand_conv')\n"
                "                           and not isinstance(layer, keras.layers.BatchNormalization))",
                "use first_layer",
            ),
            Wrong(  # from the layer after first_layer
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    names = [layer.name for layer in base.layers]\n"
                "    for index, layer in enumerate(base.layers):\n"
                "        layer.trainable = index > names.index(first_layer) and not isinstance(layer, "
                "keras.layers.BatchNormalization)",
                "block7a_expand_conv should be trainable",
            ),
            Wrong(  # relies on base.trainable = True to unfreeze the layers: it does only for a base frozen as a whole
                "def unfreeze_top(base, first_layer):\n"
                "    base.trainable = True\n"
                "    names = [layer.name for layer in base.layers]\n"
                "    for layer in base.layers[: names.index(first_layer)]:\n"
                "        layer.trainable = False\n"
                "    for layer in base.layers:\n"
                "        if isinstance(layer, keras.layers.BatchNormalization):\n"
                "            layer.trainable = False",
                "also one frozen before",
            ),
            Wrong(  # the layers' flags set, the model left frozen as a whole
                "def unfreeze_top(base, first_layer):\n"
                "    names = [layer.name for layer in base.layers]\n"
                "    for index, layer in enumerate(base.layers):\n"
                "        layer.trainable = index >= names.index(first_layer) and not isinstance(layer, "
                "keras.layers.BatchNormalization)",
                "nothing is trainable",
            ),
        ],
    ),
    "compile_for_fine_tuning": Exercise(
        "test_compile_for_fine_tuning",
        right=[
            Right(  # written exactly to the exercise's text, nothing more
                "def compile_for_fine_tuning(model):\n"
                '    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-5), loss="binary_crossentropy", '
                'metrics=["accuracy"])'
            ),
            Right(  # the book's optimizer, the lecture's spelling of the metric
                _compile(
                    "model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-5), "
                    "loss='binary_crossentropy', metrics=['acc'])"
                )
            ),
            Right(
                "import warnings\n\n"
                + _compile(
                    "warnings.warn('compile_for_fine_tuning: recompiling', UserWarning)\n"
                    "    model.compile(optimizer=keras.optimizers.Adam(2e-5), loss=keras.losses.BinaryCrossentropy(),\n"
                    "                  metrics=[keras.metrics.BinaryAccuracy()])"
                ),
                prints="recompiling",
            ),
            Right(  # a decaying learning rate, the loss as a function
                "import sys\n\n"
                + _compile(
                    "print('compile_for_fine_tuning: a schedule', file=sys.stderr)\n"
                    "    schedule = keras.optimizers.schedules.ExponentialDecay(1e-5, decay_steps=1000, "
                    "decay_rate=0.9)\n"
                    "    model.compile(optimizer=keras.optimizers.RMSprop(schedule), "
                    "loss=keras.losses.binary_crossentropy,\n"
                    "                  metrics=['binary_accuracy'])"
                ),
                prints="a schedule",
            ),
        ],
        wrong=[
            Wrong(  # plain SGD, which the exercise does not allow
                "def compile_for_fine_tuning(model):\n"
                "    model.compile(optimizer=keras.optimizers.SGD(1e-5), loss='binary_crossentropy', "
                "metrics=['accuracy'])",
                "Adam or RMSprop",
            ),
            Wrong(  # Adam's default learning rate, 1e-3
                _compile("model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])"),
                "too high",
            ),
            Wrong(  # RMSprop's default, 1e-3 too
                _compile("model.compile(optimizer='rmsprop', loss='binary_crossentropy', metrics=['acc'])"),
                "too high",
            ),
            Wrong(  # exact equality of probabilities and labels
                _compile(
                    "model.compile(optimizer=keras.optimizers.Adam(1e-5), loss='binary_crossentropy', "
                    "metrics=[keras.metrics.Accuracy()])"
                ),
                "binary accuracy",
            ),
            Wrong(  # the categorical accuracy of one unit is always 1
                _compile(
                    "model.compile(optimizer=keras.optimizers.Adam(1e-5), loss='binary_crossentropy', "
                    "metrics=['categorical_accuracy'])"
                ),
                "binary accuracy",
            ),
            Wrong(  # the loss of several classes: 0 for one unit
                _compile(
                    "model.compile(optimizer=keras.optimizers.Adam(1e-5), loss='categorical_crossentropy', "
                    "metrics=['accuracy'])"
                ),
                "binary cross-entropy",
            ),
            Wrong(
                _compile("model.compile(optimizer=keras.optimizers.Adam(1e-5), loss='mse', metrics=['accuracy'])"),
                "binary cross-entropy",
            ),
            Wrong(  # so low that nothing changes
                _compile(
                    "model.compile(optimizer=keras.optimizers.Adam(1e-9), loss='binary_crossentropy', "
                    "metrics=['accuracy'])"
                ),
                "so low",
            ),
            Wrong(  # unfreezes the model before compiling
                _compile(
                    "model.trainable = True\n"
                    "    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss='binary_crossentropy', "
                    "metrics=['accuracy'])"
                ),
                "a model frozen before must stay frozen",
            ),
            Wrong(  # unfreezes every layer before compiling
                _compile(
                    "for layer in model.layers:\n        layer.trainable = True\n"
                    "    model.compile(optimizer=keras.optimizers.Adam(1e-5), loss='binary_crossentropy', "
                    "metrics=['accuracy'])"
                ),
                "a layer frozen before must stay frozen",
            ),
            Wrong(_compile("models.compile_binary(model, 1e-5)"), SHORTCUT),
        ],
    ),
}


def test_answers_are_graded_fairly(tmp_path: Path) -> None:
    assert_fair(ASSIGNMENT, EXERCISES, tmp_path)
