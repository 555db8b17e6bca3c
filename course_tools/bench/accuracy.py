"""Accuracy sections measured in this process: chapter 1's scratch model over seeds, chapter 2's
few photos over subsets, and chapter 2's image size on the validation photos."""

from __future__ import annotations

import time

import numpy as np


def spread(values: list[float]) -> dict:
    """Mean (4 decimals), lowest and highest of ``values``."""
    return {"mean": round(float(np.mean(values)), 4), "min": min(values), "max": max(values)}


def scratch_seeds(seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """Chapter 1's convnet with augmentation and dropout trained on the book's photos with
    chapter 1's schedule (:data:`models.SCRATCH`) once per seed: test accuracy and training
    time of each, their mean and range, against the issue's target and the book."""
    from course_lib import results
    from course_lib.backend import keras
    from course_lib.photos import data
    from course_lib.recap import models

    if data.source().is_sample:
        return {"skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample has 120 training photos"}
    recipe = models.SCRATCH
    train = data.load_split("train", recipe.image_size, recipe.batch_size)
    validation = data.load_split("validation", recipe.image_size, recipe.batch_size)
    test = data.load_split("test", recipe.image_size, recipe.batch_size)
    rows = []
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = models.scratch_model(recipe)
        models.compile_cosine(model, recipe.epochs, len(train), peak=recipe.peak, warmup_epochs=recipe.warmup_epochs)
        start = time.perf_counter()
        model.fit(
            train,
            validation_data=validation,
            epochs=recipe.epochs,
            validation_freq=recipe.validate_every,
            shuffle=False,
            verbose=0,
        )
        seconds = time.perf_counter() - start
        rows.append(
            {
                "seed": seed,
                "test_accuracy": round(float(model.evaluate(test, verbose=0)[1]), 4),
                "seconds": round(seconds, 1),
            }
        )
        print(f"   seed {seed}: {rows[-1]['test_accuracy']:.1%} in {seconds:.0f} s", flush=True)
    accuracies = [row["test_accuracy"] for row in rows]
    return {
        "recipe": recipe.describe(),
        "rows": rows,
        **spread(accuracies),
        "slowest_s": max(row["seconds"] for row in rows),
        "book": str(results.METHODS["scratch_augmented"][1]),
    }


class _FewPhotos:
    """Chapter 2's section 5 on one random subset at a time: the frozen base, its saved
    feature maps of the training and test photos (and of the test photos mirrored), and the
    three ways to train on a subset."""

    def __init__(self, image_size: int, epochs: int, fine_tune_epochs: int) -> None:
        from course_lib.photos import data
        from course_lib.pretrained import bases, features

        self.epochs, self.fine_tune_epochs = epochs, fine_tune_epochs
        self.base = bases.efficientnet_lite0(include_top=False, image_size=image_size, pooling=None)
        self.base.trainable = False
        self.start_weights = self.base.get_weights()
        self.images, self.labels = data.load_arrays("train", image_size)
        self.maps, _ = features.extract(self.base, "train")
        self.test_images, self.test_labels = data.load_arrays("test", image_size)
        self.test_maps = [features.extract(self.base, "test", flip=flip)[0] for flip in (False, True)]

    def subset(self, seed: int, per_class: int) -> np.ndarray:
        """``per_class`` random training photos of each class (their indices)."""
        rng = np.random.default_rng(seed)
        return np.concatenate([rng.choice(np.flatnonzero(self.labels == c), per_class, replace=False) for c in (0, 1)])

    def _accuracy(self, predict, inputs: list) -> float:
        """Test accuracy of ``predict`` averaged with mirror images (``inputs``: as seen, mirrored)."""
        mean = (np.ravel(predict(inputs[0], verbose=0)) + np.ravel(predict(inputs[1], verbose=0))) / 2
        return round(float(np.mean((mean > 0.5) == self.test_labels)), 4)

    def three_ways(self, chosen: np.ndarray, seed: int, pooling: str) -> list[float]:
        """A fresh head on the saved features; the same head behind augmentation; that model
        fine-tuned from ``block7a`` (BatchNormalization frozen): each one's test accuracy."""
        from course_lib.backend import keras
        from course_lib.recap import models

        keras.utils.set_random_seed(seed)
        self.base.set_weights(self.start_weights)
        self.base.trainable = False
        x, y = self.images[chosen], self.labels[chosen]
        head = models.compile_binary(models.classifier_head(self.maps.shape[1:], pooling=pooling), 1e-3, "adam")
        head.fit(self.maps[chosen], y, epochs=self.epochs, batch_size=20, verbose=0)
        scores = [self._accuracy(head.predict, self.test_maps)]
        head = models.classifier_head(self.maps.shape[1:], pooling=pooling)
        inputs = keras.Input(self.images.shape[1:])
        model = keras.Model(inputs, head(self.base(models.augmentation(seed=seed)(inputs), training=False)))
        models.compile_binary(model, 1e-3, "adam").fit(x, y, epochs=self.epochs, batch_size=20, verbose=0)
        scores.append(self._accuracy(head.predict, self.test_maps))  # the frozen base's maps stand in for images
        self.base.trainable = True
        unfrozen = False
        for layer in self.base.layers:
            unfrozen = unfrozen or layer.name == "block7a_expand_conv"
            layer.trainable = unfrozen and not isinstance(layer, keras.layers.BatchNormalization)
        models.compile_binary(model, 1e-5, "adam").fit(x, y, epochs=self.fine_tune_epochs, batch_size=20, verbose=0)
        scores.append(self._accuracy(model.predict, [self.test_images, self.test_images[:, :, ::-1]]))
        return scores


def small_data_subsets(
    image_size: int = 96,
    per_class: int = 50,
    seeds: tuple[int, ...] = (0, 1, 2, 3),
    epochs: int = 30,
    fine_tune_epochs: int = 10,
) -> dict:
    """Chapter 2, section 5, over several random subsets instead of the notebook's one: on
    ``per_class`` random training photos of each class (a new subset per seed), a fresh
    head on the saved features, the same head trained behind augmentation, and that model
    fine-tuned from ``block7a``; once with the course's head (global average pooling) and
    once with the book's (flattened feature maps). Mean and range of each method's test
    accuracy, averaged with mirror images."""
    from course_lib.photos import data
    from course_lib.pretrained.small_data import METHODS

    if data.source().is_sample:
        return {"skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample has 120 training photos"}
    few = _FewPhotos(image_size, epochs, fine_tune_epochs)
    rows = []
    for pooling, head_name in (("avg", "pooled (the course's)"), ("flatten", "flattened maps (the book's)")):
        for seed in seeds:
            scores = dict(zip(METHODS, few.three_ways(few.subset(seed, per_class), seed, pooling)))
            rows.append({"head": head_name, "seed": seed, **scores})
            print(f"   {head_name}, subset {seed}: " + ", ".join(f"{k} {v:.1%}" for k, v in scores.items()), flush=True)
    heads = dict.fromkeys(row["head"] for row in rows)
    summary = {h: {m: spread([r[m] for r in rows if r["head"] == h]) for m in METHODS} for h in heads}
    return {
        "image_size": image_size,
        "training_photos": 2 * per_class,
        "epochs": epochs,
        "fine_tune_epochs": fine_tune_epochs,
        "subsets": len(seeds),
        "rows": rows,
        "summary": summary,
    }


def image_sizes(sizes: tuple[int, ...] = (160, 224, 256), seeds: tuple[int, ...] = (0, 1, 2), epochs: int = 20) -> dict:
    """How chapter 2 chooses its image size, on the **validation** photos only: section 2's
    head (fresh, ``epochs`` epochs of Adam at 1e-3 on the saved pooled features) at each size,
    once per seed: its validation accuracy, and the seconds the base took to extract the
    training and validation features. The test photos are not looked at."""
    from course_lib.backend import keras
    from course_lib.photos import data
    from course_lib.pretrained import bases, features
    from course_lib.recap import models

    if data.source().is_sample:
        return {
            "skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample has 58 validation photos"
        }
    rows = []
    for size in sizes:
        base = bases.efficientnet_lite0(include_top=False, image_size=size, pooling="avg")
        base.trainable = False
        start = time.perf_counter()
        train, train_labels = features.extract(base, "train")
        validation, validation_labels = features.extract(base, "validation")
        seconds = time.perf_counter() - start
        accuracies = []
        for seed in seeds:
            keras.utils.set_random_seed(seed)
            head = models.compile_binary(models.classifier_head(train.shape[1:]), 1e-3, "adam")
            head.fit(train, train_labels, epochs=epochs, batch_size=32, verbose=0)
            predicted = np.ravel(head.predict(validation, verbose=0)) > 0.5
            accuracies.append(round(float(np.mean(predicted == validation_labels)), 4))
        rows.append(
            {
                "image_size": size,
                "validation_accuracy": spread(accuracies),
                "validation_photos": int(len(validation_labels)),
                "feature_seconds": round(seconds, 1),
            }
        )
        print(
            f"   {size} px: validation {np.mean(accuracies):.1%} [{min(accuracies):.1%}, {max(accuracies):.1%}] "
            f"(features in {seconds:.0f} s)",
            flush=True,
        )
    return {"sizes": rows, "seeds": len(seeds), "epochs": epochs}
