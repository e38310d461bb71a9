#!/usr/bin/env python3
"""Brevitas QAT LeNet baseline for BENCHMARKS.md: the seed's QuantWeightActBiasLeNet, trained and
evaluated with the same shapes, optimizer and timing rules as `./qnn4j bench`.

Brevitas is not packaged by Debian; point PYTHONPATH at a Brevitas 0.11 source tree (and its
`dependencies` package) and run with Debian's python3-torch:
    PYTHONPATH=/path/to/brevitas/src:/path/to/dependencies/src \
        /usr/bin/python3 benchmarks/brevitas_lenet_baseline.py [--threads 2] [--seconds 10]
Prints one line per measurement: "<name> <images/s>".
"""
import argparse
import time

import torch
import torch.nn.functional as F
from torch import nn

import brevitas.nn as qnn
from brevitas.quant import Int32Bias


class QuantWeightActBiasLeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant_inp = qnn.QuantIdentity(bit_width=4, return_quant_tensor=True)
        self.conv1 = qnn.QuantConv2d(3, 6, 5, bias=True, weight_bit_width=4, bias_quant=Int32Bias)
        self.relu1 = qnn.QuantReLU(bit_width=4, return_quant_tensor=True)
        self.conv2 = qnn.QuantConv2d(6, 16, 5, bias=True, weight_bit_width=4, bias_quant=Int32Bias)
        self.relu2 = qnn.QuantReLU(bit_width=4, return_quant_tensor=True)
        self.fc1 = qnn.QuantLinear(16 * 5 * 5, 120, bias=True, weight_bit_width=4, bias_quant=Int32Bias)
        self.relu3 = qnn.QuantReLU(bit_width=4, return_quant_tensor=True)
        self.fc2 = qnn.QuantLinear(120, 84, bias=True, weight_bit_width=4, bias_quant=Int32Bias)
        self.relu4 = qnn.QuantReLU(bit_width=4, return_quant_tensor=True)
        self.fc3 = qnn.QuantLinear(84, 10, bias=True, weight_bit_width=4, bias_quant=Int32Bias)

    def forward(self, x):
        out = self.quant_inp(x)
        out = self.relu1(self.conv1(out))
        out = F.max_pool2d(out, 2)
        out = self.relu2(self.conv2(out))
        out = F.max_pool2d(out, 2)
        out = out.reshape(out.shape[0], -1)
        out = self.relu3(self.fc1(out))
        out = self.relu4(self.fc2(out))
        return self.fc3(out)


def measure(step, images_per_step, seconds, warmup_steps=5):
    for _ in range(warmup_steps):
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
    # As `./qnn4j bench`: training is measured after the 300 steps in which the activation
    # quantizers collect statistics (Brevitas' collect_stats_steps), in its steady state.
    parser.add_argument("--warmup-steps", type=int, default=310)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = QuantWeightActBiasLeNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 3, 32, 32)
    y = torch.randint(0, 10, (64,))

    def train_step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    model.train()
    print(f"brevitas_qat_train_batch64 {measure(train_step, 64, args.seconds, args.warmup_steps):.1f}")
    xe = torch.randn(256, 3, 32, 32)
    model.eval()

    def eval_step():
        with torch.no_grad():
            model(xe)

    print(f"brevitas_fakequant_eval_batch256 {measure(eval_step, 256, args.seconds):.1f}")


if __name__ == "__main__":
    main()
