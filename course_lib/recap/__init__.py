"""Lecture part 1, a recap of convnets (book 5.1 and 5.2; chapter 1): convolution, stride,
padding and pooling (:mod:`.convolution`), the lecture's convnet and its training
(:mod:`.models`), data augmentation (:mod:`.augment`), dropout (:mod:`.dropout`) and
synthetic data (:mod:`.synthetic`)."""
