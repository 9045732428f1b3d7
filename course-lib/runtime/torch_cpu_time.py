"""CPU-time variant of the PyTorch side, for course-lib/runtime/speed-vs-torch.ts.

On a shared, loaded machine wall-clock rates swing 2-3x between runs; CPU time per step (process_time)
is far steadier, so the runtime engineer's A/B tool reports both. The networks, batch sizes, optimizer
and loss are imported from course-lib/bench/torch_bench.py (not redefined here). Prints one line
`TORCH_CPU {json}` with samples per CPU-second and per wall-second for training and inference.
Arguments: model name, budget seconds, optional warm-up seconds (speed-vs-torch.ts --warmup).
Run with Debian's /usr/bin/python3 and OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench"))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch_bench  # noqa: E402


def rates(step, batch, budget, warmup):
    step()
    t = time.process_time()
    step()
    per = max(time.process_time() - t, 1e-4)
    for _ in range(int(round(warmup / per))):  # the same --warmup as the tfjs side
        step()
    t = time.process_time()
    step()
    per = max(time.process_time() - t, 1e-4)
    n = max(2, int(round(budget / per)))
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        step()
    c1, w1 = time.process_time(), time.perf_counter()
    return {"cpu": n * batch / (c1 - c0), "wall": n * batch / (w1 - w0)}


def main():
    name, budget = sys.argv[1], float(sys.argv[2])
    warmup = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    torch.set_num_threads(1)
    ctor, shape, train_batch, infer_batch = torch_bench.MODELS[name]
    torch.manual_seed(0)
    model = ctor()
    x = torch.randn(train_batch, *shape)
    y = torch.randint(0, 10, (train_batch,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    train = rates(train_step, train_batch, budget, warmup)
    model.eval()
    xi = torch.randn(infer_batch, *shape)

    def infer_step():
        with torch.no_grad():
            model(xi)

    infer = rates(infer_step, infer_batch, budget, warmup)
    print("TORCH_CPU " + json.dumps({"train": train, "infer": infer}), flush=True)


if __name__ == "__main__":
    main()
