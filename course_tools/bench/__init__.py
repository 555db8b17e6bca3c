"""``make bench`` (``python -m course_tools.bench``): the course's speed and accuracy on this machine, in one run.

Measures, and writes to ``benchmarks/results.json`` and ``benchmarks/results.md``:

1. the whole course in full mode (``convnet-course build``): wall time, peak memory, and
   the test accuracy and training time of each method the chapters measure (what
   ``make release`` then writes into each chapter's "What to expect" box);
2. throughput of the pretrained base (EfficientNet-Lite0 at 160 and 224 px) and of the
   book's VGG16 base (random weights) at 150 px, batch 32 and 64, measured interleaved in
   this process, and each as a fraction of this CPU's fp32 peak;
3. training chapter 1's model in float32 and in mixed bfloat16, and with augmentation and
   dropout on chapter 1's schedule once per seed (mean and range of the test accuracy);
   chapter 2's few-photos comparison over random subsets, with the course's pooled head
   and the book's flattened one; chapter 2's image size, chosen on the validation photos;
4. one heatmap of each explanation method, their deletion/insertion areas against each
   map's own cells shuffled, and one filter visualization;
5. autograding one submission (the solution) of each chapter;
6. autograding a class of 40 submissions with 1 and 2 parallel workers;
7. what verdicts decided outside the kernel and the sandbox cost per submission.

``make bench BENCH_ARGS="--only small_data_subsets"`` measures only the sections named and
merges them into the saved results, each stamped with its own date and CPU.

Benchmarks report numbers; they are not tests and have no pass/fail.
"""
