"""Lecture part 3, visualizing what convnets learn (book 5.4; chapter 3): intermediate
activations (:mod:`.activations`), filter patterns (:mod:`.filters`), class-activation
heatmaps (:mod:`.heatmaps`) and whether those maps are right (:mod:`.faithfulness`)."""
