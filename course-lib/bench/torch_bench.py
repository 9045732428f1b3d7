"""PyTorch side of `npm run bench`: the same three networks as course-lib/bench/models.ts, in NCHW.

The TypeScript harness (course-lib/bench/harness.ts) runs this file with Debian's /usr/bin/python3 and reads one
line `BENCH_RESULT {json}` from stdout; progress goes to stderr. The architectures must stay identical to
models.ts: the harness asserts that trainable and total parameter counts match model by model.

Timing follows the tfjs worker (worker.ts): warmup batches are excluded, then `reps` timed runs of `batches`
batches each (the count chosen from the warmup speed and a time budget), and the median run is reported.
Training = Adam (lr 1e-3) + softmax cross-entropy on random data; inference = eval-mode forward under no_grad.
"""

import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Mirrors PHINET_STEM_CHANNELS / PHINET_BLOCKS in models.ts: (out channels, depthwise stride, expansion t).
PHINET_STEM_CHANNELS = 8
PHINET_BLOCKS = [
    (8, 2, 1),
    (16, 2, 6),
    (16, 1, 6),
    (24, 2, 6),
    (24, 1, 6),
    (32, 1, 6),
]
BN_EPSILON = 1e-5


def squeeze_channels(channels):
    return max(4, channels // 4)


class BenchNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1, groups=16), nn.ReLU(),
            nn.Conv2d(16, 32, 1), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.BatchNorm2d(32, eps=BN_EPSILON),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 64), nn.ReLU(),
            nn.Linear(64, num_classes),
        )

    def forward(self, x):
        return self.net(x)


class SqueezeExcite(nn.Module):
    # 1x1 convs on the pooled vector == the dense layers of the tfjs version (same weights, same count).
    def __init__(self, channels):
        super().__init__()
        self.reduce = nn.Conv2d(channels, squeeze_channels(channels), 1)
        self.expand = nn.Conv2d(squeeze_channels(channels), channels, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.expand(F.relu(self.reduce(s))))
        return x * s


class InvertedResidual(nn.Module):
    def __init__(self, in_channels, out_channels, stride, expansion):
        super().__init__()
        hidden = in_channels * expansion
        layers = []
        if expansion != 1:
            layers += [nn.Conv2d(in_channels, hidden, 1, bias=False), nn.BatchNorm2d(hidden, eps=BN_EPSILON), nn.Hardswish()]
        # padding=1 gives the same output size as tfjs 'same' (tfjs pads stride-2 convs asymmetrically).
        layers += [
            nn.Conv2d(hidden, hidden, 3, stride=stride, padding=1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden, eps=BN_EPSILON), nn.Hardswish(),
            SqueezeExcite(hidden),
            nn.Conv2d(hidden, out_channels, 1, bias=False), nn.BatchNorm2d(out_channels, eps=BN_EPSILON),
        ]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and in_channels == out_channels

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class PhiNetLike(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        layers = [
            nn.Conv2d(3, PHINET_STEM_CHANNELS, 3, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(PHINET_STEM_CHANNELS, eps=BN_EPSILON), nn.Hardswish(),
        ]
        channels = PHINET_STEM_CHANNELS
        for out, stride, expansion in PHINET_BLOCKS:
            layers.append(InvertedResidual(channels, out, stride, expansion))
            channels = out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(channels, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


# name -> (constructor, NCHW input shape without batch, train batch, infer batch); batches as in models.ts.
MODELS = {
    "bench": (BenchNet, (3, 32, 32), 64, 128),
    "lenet": (LeNet, (1, 28, 28), 64, 128),
    "phinet-like": (PhiNetLike, (3, 96, 96), 64, 128),
}


def count_params(model):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    # BatchNorm running mean/var are tfjs' non-trainable weights; num_batches_tracked has no tfjs counterpart.
    stats = sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    return {"trainable": trainable, "nonTrainable": frozen + stats, "total": trainable + frozen + stats}


def log(msg):
    print(f"[torch] {msg}", file=sys.stderr, flush=True)


def timed_runs(step, budget, reps, min_batches, max_batches):
    """Like measure() in worker.ts: one untimed warmup step, one step to estimate the speed, then `reps`
    timed runs of n steps, n chosen so that all runs together take about `budget` seconds."""
    step()
    t0 = time.perf_counter()
    step()
    per_batch = time.perf_counter() - t0
    n = int(max(min_batches, min(max_batches, round(budget / reps / max(per_batch, 1e-6)))))
    seconds = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(n):
            step()
        seconds.append(time.perf_counter() - t)
    return n, seconds


def summarize(n, batch, seconds):
    rates = [n * batch / s for s in seconds]
    return {
        "samplesPerSec": statistics.median(rates),
        "batches": n,
        "batchSize": batch,
        "reps": len(seconds),
        "repSamplesPerSec": rates,
        "seconds": sum(seconds),
    }


def bench_model(name, args):
    ctor, shape, train_batch, infer_batch = MODELS[name]
    torch.manual_seed(0)
    model = ctor()
    result = {"model": name, "params": count_params(model)}
    if args.params_only:
        return result

    x = torch.randn(train_batch, *shape)
    y = torch.randint(0, 10, (train_batch,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    last = {}

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        last["loss"] = loss

    log(f"{name}: training (threads={torch.get_num_threads()})")
    n, secs = timed_runs(train_step, args.budget, args.reps, args.min_batches, args.max_batches)
    float(last["loss"].item())
    result["train"] = summarize(n, train_batch, secs)

    model.eval()
    xi = torch.randn(infer_batch, *shape)

    def infer_step():
        with torch.no_grad():
            last["out"] = model(xi)

    log(f"{name}: inference")
    n, secs = timed_runs(infer_step, args.budget, args.reps, args.min_batches, args.max_batches)
    result["infer"] = summarize(n, infer_batch, secs)
    log(f"{name}: train {result['train']['samplesPerSec']:.0f}/s, infer {result['infer']['samplesPerSec']:.0f}/s")
    return result


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads value (0 = all cores)")
    p.add_argument("--params-only", action="store_true", help="only report parameter counts")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--budget", type=float, default=6.0, help="seconds per measurement, all reps together")
    p.add_argument("--min-batches", type=int, default=3)
    p.add_argument("--max-batches", type=int, default=400)
    args = p.parse_args()

    names = [m for m in args.models.split(",") if m]
    for m in names:
        if m not in MODELS:
            p.error(f"unknown model {m!r}; expected one of {', '.join(MODELS)}")
    threads = args.threads if args.threads > 0 else (os.cpu_count() or 1)
    torch.set_num_threads(threads)

    out = {
        "torch": torch.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "blasThreadsEnv": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")},
        "results": [bench_model(m, args) for m in names],
    }
    print("BENCH_RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
