#!/usr/bin/env python3
"""Reference vectors for qnn4j's SqrHingeLoss from Brevitas' own bnn_pynq loss.

Runs Brevitas 0.11.0's `brevitas_examples.bnn_pynq.models.losses.SqrHingeLoss` on Debian's
python3-torch with the targets the bnn_pynq trainer builds (one-hot with -1 elsewhere), and writes
runtime/src/test/resources/reference/sqr-hinge/: per case `<case>.logits.npy` (float32 [N, C]),
`<case>.labels.npy` (int64 [N]), `<case>.loss.npy` (float32 scalar) and `<case>.grad.npy`
(float32 [N, C], the gradient of the loss with respect to the logits), plus `index.json`.

    PYTHONPATH=/work/ext17/brevitas/src:/work/ext17/dependencies/src \
        /usr/bin/python3 benchmarks/reference/make_sqr_hinge_reference.py

Two runs write identical files. Do not edit the output by hand; rerun the script.
"""
import json
import os

import numpy as np
import torch

from brevitas_examples.bnn_pynq.models.losses import SqrHingeLoss

OUT = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "runtime", "src", "test", "resources",
    "reference", "sqr-hinge")


def targets(labels, classes):
    # As bnn_pynq's trainer: a [N, C] tensor filled with -1, then 1 scattered at the label.
    t = torch.Tensor(labels.size(0), classes)
    t.fill_(-1)
    t.scatter_(1, labels.unsqueeze(1), 1)
    return t


def case(name, logits, labels, index):
    x = logits.clone().requires_grad_(True)
    loss = SqrHingeLoss()(x, targets(labels, logits.shape[1]))
    loss.backward()
    files = {
        "logits": name + ".logits.npy",
        "labels": name + ".labels.npy",
        "loss": name + ".loss.npy",
        "grad": name + ".grad.npy",
    }
    np.save(os.path.join(OUT, files["logits"]), logits.numpy().astype(np.float32))
    np.save(os.path.join(OUT, files["labels"]), labels.numpy().astype(np.int64))
    np.save(os.path.join(OUT, files["loss"]), np.array(loss.item(), dtype=np.float32))
    np.save(os.path.join(OUT, files["grad"]), x.grad.numpy().astype(np.float32))
    index.append({"name": name, "shape": list(logits.shape), "files": files})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    index = []
    # Logits around the hinge: many margins positive, some exactly 0 or negative.
    logits = torch.randn(16, 10) * 1.5
    labels = torch.randint(0, 10, (16,))
    logits[0, :] = -1.0
    logits[0, labels[0]] = 1.0  # every margin exactly 0
    logits[1, :] = -3.0
    logits[1, labels[1]] = 2.5  # every margin negative
    case("random_16x10", logits, labels, index)
    # A TensorNorm-like output of a trained net: large values, few active margins.
    logits = torch.randn(100, 10) * 4
    labels = torch.randint(0, 10, (100,))
    case("batch_100x10", logits, labels, index)
    meta = {
        "generator": "benchmarks/reference/make_sqr_hinge_reference.py",
        "brevitas": "0.11.0 (brevitas_examples.bnn_pynq.models.losses.SqrHingeLoss)",
        "torch": torch.__version__,
        "cases": index,
    }
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
