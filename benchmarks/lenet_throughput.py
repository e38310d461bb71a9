"""The timing harness both baseline scripts share, so they measure exactly as `./qnn4j bench` does:
synthetic 3x32x32 batches, Adam lr 1e-3, training at batch 64 after a warm-up, then eval-mode
inference at batch 256 without gradients. Prints one line per measurement: "<name> <images/s>".
"""
import argparse
import time

import torch
import torch.nn.functional as F


def measure(step, images_per_step, seconds, warmup_steps):
    for _ in range(warmup_steps):
        step()
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        count += 1
    return count * images_per_step / (time.perf_counter() - start)


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    # As `./qnn4j bench`: training is measured after the 300 steps in which quantized activations
    # collect statistics (Brevitas' collect_stats_steps), in its steady state.
    parser.add_argument("--warmup-steps", type=int, default=310)
    return parser.parse_args()


def run(model, prefix, args):
    """Measures training and eval throughput of `model`, printing `<prefix>_train_batch64` etc."""
    torch.set_num_threads(args.threads)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 3, 32, 32)
    y = torch.randint(0, 10, (64,))

    def train_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    print(f"{prefix}_train_batch64 {measure(train_step, 64, args.seconds, args.warmup_steps):.1f}", flush=True)
    xe = torch.randn(256, 3, 32, 32)
    model.eval()

    def eval_step():
        with torch.no_grad():
            model(xe)

    print(f"{prefix}_eval_batch256 {measure(eval_step, 256, args.seconds, 5):.1f}", flush=True)
