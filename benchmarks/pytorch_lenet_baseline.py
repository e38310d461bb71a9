#!/usr/bin/env python3
"""PyTorch float LeNet baseline for BENCHMARKS.md: training and eval throughput on CPU.

The same network as the seed's LeNets without quantization (conv 3->6->16, 5x5; fc 400->120->84->10),
synthetic 3x32x32 batches, Adam lr 1e-3. Run with Debian's python3-torch:
    /usr/bin/python3 benchmarks/pytorch_lenet_baseline.py [--threads 2] [--seconds 10]
Prints one line per measurement: "<name> <images/s>".
"""
import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(400, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.reshape(x.shape[0], -1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def measure(step, images_per_step, seconds):
    for _ in range(5):  # warm-up
        step()
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        count += 1
    return count * images_per_step / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = LeNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 3, 32, 32)
    y = torch.randint(0, 10, (64,))

    def train_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    print(f"pytorch_float_train_batch64 {measure(train_step, 64, args.seconds):.1f}")
    xe = torch.randn(256, 3, 32, 32)
    model.eval()

    def eval_step():
        with torch.no_grad():
            model(xe)

    print(f"pytorch_float_eval_batch256 {measure(eval_step, 256, args.seconds):.1f}")


if __name__ == "__main__":
    main()
