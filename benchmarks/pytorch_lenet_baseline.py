#!/usr/bin/env python3
"""PyTorch float LeNet baseline for BENCHMARKS.md: training and eval throughput on CPU.

The same network as the seed's LeNets without quantization (conv 3->6->16, 5x5; fc 400->120->84->10),
synthetic 3x32x32 batches, Adam lr 1e-3. Run with Debian's python3-torch:
    /usr/bin/python3 benchmarks/pytorch_lenet_baseline.py [--threads 2] [--seconds 10] [--warmup-steps 310]
Prints one line per measurement: "<name> <images/s>" (timing in lenet_throughput.py).
"""
import torch
import torch.nn.functional as F
from torch import nn

import lenet_throughput


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


def main():
    args = lenet_throughput.arguments("PyTorch float LeNet throughput")
    torch.manual_seed(0)
    lenet_throughput.run(LeNet(), "pytorch_float", args)


if __name__ == "__main__":
    main()
