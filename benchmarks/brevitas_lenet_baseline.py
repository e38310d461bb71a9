#!/usr/bin/env python3
"""Brevitas QAT LeNet baseline for BENCHMARKS.md: the seed's QuantWeightActBiasLeNet, trained and
evaluated with the same shapes, optimizer and timing rules as `./qnn4j bench`.

Brevitas is not packaged by Debian; point PYTHONPATH at a Brevitas 0.11 source tree (and its
`dependencies` package) and run with Debian's python3-torch:
    PYTHONPATH=/path/to/brevitas/src:/path/to/dependencies/src \
        /usr/bin/python3 benchmarks/brevitas_lenet_baseline.py [--threads 2] [--seconds 10] [--warmup-steps 310]
Prints one line per measurement: "<name> <images/s>" (timing in lenet_throughput.py).
"""
import torch
import torch.nn.functional as F
from torch import nn

import lenet_throughput

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


def main():
    args = lenet_throughput.arguments("Brevitas QAT LeNet throughput")
    torch.manual_seed(0)
    lenet_throughput.run(QuantWeightActBiasLeNet(), "brevitas_qat", args)


if __name__ == "__main__":
    main()
