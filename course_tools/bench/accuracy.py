"""Accuracy sections measured in this process: chapter 1's scratch model over seeds, chapter 2's
few photos over subsets, and chapter 2's image size on the validation photos."""

from __future__ import annotations

import time

import numpy as np


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
        "mean": round(float(np.mean(accuracies)), 4),
        "min": min(accuracies),
        "max": max(accuracies),
        "slowest_s": max(row["seconds"] for row in rows),
        "book": str(results.METHODS["scratch_augmented"][1]),
    }


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
    from course_lib.backend import keras
    from course_lib.photos import data
    from course_lib.pretrained import bases, features
    from course_lib.pretrained.small_data import METHODS
    from course_lib.recap import models

    if data.source().is_sample:
        return {"skipped": "needs the book's photos (set COURSE_DATA_DIR): the course's sample has 120 training photos"}
    base = bases.efficientnet_lite0(include_top=False, image_size=image_size, pooling=None)
    base.trainable = False
    start_weights = base.get_weights()
    images, labels = data.load_arrays("train", image_size)
    train_maps, _ = features.extract(base, "train")
    test_images, test_labels = data.load_arrays("test", image_size)
    test_maps, _ = features.extract(base, "test")
    mirrored_maps, _ = features.extract(base, "test", flip=True)

    def accuracy(probabilities, mirrored_probabilities) -> float:  # averaged with mirror images
        mean = (np.ravel(probabilities) + np.ravel(mirrored_probabilities)) / 2
        return round(float(np.mean((mean > 0.5) == test_labels)), 4)

    def head_accuracy(head) -> float:  # the frozen base's saved maps stand in for its images
        return accuracy(head.predict(test_maps, verbose=0), head.predict(mirrored_maps, verbose=0))

    rows = []
    for pooling, head_name in (("avg", "pooled (the course's)"), ("flatten", "flattened maps (the book's)")):
        for seed in seeds:
            rng = np.random.default_rng(seed)
            chosen = np.concatenate([rng.choice(np.flatnonzero(labels == c), per_class, replace=False) for c in (0, 1)])
            keras.utils.set_random_seed(seed)
            base.set_weights(start_weights)
            base.trainable = False
            head = models.compile_binary(models.classifier_head(train_maps.shape[1:], pooling=pooling), 1e-3, "adam")
            head.fit(train_maps[chosen], labels[chosen], epochs=epochs, batch_size=20, verbose=0)
            scores = {METHODS[0]: head_accuracy(head)}
            head = models.classifier_head(train_maps.shape[1:], pooling=pooling)
            inputs = keras.Input(images.shape[1:])
            model = keras.Model(inputs, head(base(models.augmentation(seed=seed)(inputs), training=False)))
            models.compile_binary(model, 1e-3, "adam").fit(
                images[chosen], labels[chosen], epochs=epochs, batch_size=20, verbose=0
            )
            scores[METHODS[1]] = head_accuracy(head)
            base.trainable = True
            unfrozen = False
            for layer in base.layers:  # block7a up, BatchNormalization frozen: chapter 2's fine-tuning
                unfrozen = unfrozen or layer.name == "block7a_expand_conv"
                layer.trainable = unfrozen and not isinstance(layer, keras.layers.BatchNormalization)
            models.compile_binary(model, 1e-5, "adam").fit(
                images[chosen], labels[chosen], epochs=fine_tune_epochs, batch_size=20, verbose=0
            )
            mirrored_images = test_images[:, :, ::-1]
            scores[METHODS[2]] = accuracy(
                model.predict(test_images, verbose=0), model.predict(mirrored_images, verbose=0)
            )
            rows.append({"head": head_name, "seed": seed, **scores})
            print(f"   {head_name}, subset {seed}: " + ", ".join(f"{k} {v:.1%}" for k, v in scores.items()), flush=True)
    summary = {}
    for head_name in dict.fromkeys(row["head"] for row in rows):
        for method in METHODS:
            values = [row[method] for row in rows if row["head"] == head_name]
            summary.setdefault(head_name, {})[method] = {
                "mean": round(float(np.mean(values)), 4),
                "min": min(values),
                "max": max(values),
            }
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
                "validation_accuracy": {
                    "mean": round(float(np.mean(accuracies)), 4),
                    "min": min(accuracies),
                    "max": max(accuracies),
                },
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
