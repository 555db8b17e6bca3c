"""Lecture part 2, using a pretrained convnet (book 5.3; chapter 2): the pretrained bases
(:mod:`.bases`, EfficientNet-Lite0 read by :mod:`.weights` without PyTorch, and the book's
VGG16), feature extraction cached on disk (:mod:`.features`), what the features know before
any training (:mod:`.neighbours`), few photos compared like for like (:mod:`.small_data`)
and a shift of data set (:mod:`.data_shift`)."""
