#!/usr/bin/env python3
"""Side by side: Brevitas' bnn_pynq zoo models and qnn4j's, trained on Fashion-MNIST with the
bnn_pynq recipe in one run (issue 17, acceptance 2; figures in BENCHMARKS.md).

The recipe is bnn_pynq's (bnn_pynq_train.py defaults, trainer.py, cfg/<model>.ini): Adam, lr 0.02,
no weight decay, batch 100, shuffled, SqrHingeLoss against +-1 one-hot targets, every QuantLinear
weight clamped to [-1, 1] after each optimizer step, images as ToTensor() gives them ([0, 1]; the
models map them to [-1, 1] in their forward), Dropout 0.2. bnn_pynq halves the learning rate every
40 epochs, which a 3-epoch run never reaches, so the rate stays 0.02 on both sides.

Both sides start from the same weights: Brevitas' model after torch.manual_seed(seed) (bnn_pynq
initialises its QuantLinear weights uniformly in [-1, 1]), saved with torch.save and given to
qnn4j with --init-weights (a strict load under Brevitas' own keys). The data order and the
Dropout masks differ (each side draws its own).

Run from the repository root with Debian's python3-torch and Brevitas' source:
    PYTHONPATH=/path/to/brevitas/src:/path/to/dependencies/src \\
        /usr/bin/python3 benchmarks/zoo_fashion_side_by_side.py [--epochs 3] [--threads 2]

Prints per model and side the test accuracy after each epoch and the training images/s (the
training loop only: forward, loss, backward, step, clipping; evaluation excluded), a result line
per model as soon as both sides are done, then a summary. Both sides use --threads threads
(torch.set_num_threads; qnn4j's -Dqnn4j.threads).
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

from brevitas_examples.bnn_pynq.models import model_with_cfg
from brevitas_examples.bnn_pynq.models.losses import SqrHingeLoss


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_split(data_dir, prefix):
    images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte.gz"))
    # torchvision's ToTensor(): uint8 / 255 in float32, [N, 1, 28, 28]
    x = torch.from_numpy(images.astype(np.float32)).div(255.0).unsqueeze(1)
    return x, torch.from_numpy(labels.astype(np.int64))


def one_hot_pm1(target, classes):
    t = torch.full((target.size(0), classes), -1.0)
    t.scatter_(1, target.unsqueeze(1), 1.0)
    return t


def accuracy(model, x, y, batch):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.size(0), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return 100.0 * correct / x.size(0)


def train_brevitas(model, train, test, args):
    x, y = train
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=0)
    criterion = SqrHingeLoss()
    gen = torch.Generator().manual_seed(args.seed)
    accuracies = []
    train_seconds = 0.0
    images = 0
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(x.size(0), generator=gen)
        start = time.perf_counter()
        for i in range(0, x.size(0), args.batch_size):
            idx = order[i:i + args.batch_size]
            out = model(x[idx])
            loss = criterion(out, one_hot_pm1(y[idx], 10))
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.clip_weights(-1, 1)
            images += idx.numel()
        seconds = time.perf_counter() - start
        train_seconds += seconds
        accuracies.append(accuracy(model, test[0], test[1], args.batch_size))
        print(f"  brevitas epoch {epoch + 1}: test accuracy {accuracies[-1]:.2f}%,"
              f" {x.size(0) / seconds:.0f} training images/s, load average"
              f" {os.getloadavg()[0]:.1f}", flush=True)
    return accuracies, images / train_seconds


def train_qnn4j(name, init_pth, work, args):
    metrics = os.path.join(work, name + ".qnn4j.metrics.jsonl")
    out = os.path.join(work, name + ".qnn4j.safetensors")
    cmd = [
        args.qnn4j, "train", "--model", name, "--data", "fashion-mnist:" + args.data,
        "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr),
        "--optimizer", "adam", "--loss", "sqr-hinge", "--clip-weights",
        "--init-weights", init_pth, "--seed", str(args.seed),
        "--metrics", metrics, "--out", out]
    print("  " + " ".join(cmd), flush=True)
    env = dict(os.environ)
    env["QNN4J_JAVA_OPTS"] = (
        "-Xmx4g -XX:G1HeapRegionSize=16m -XX:MaxNewSize=384m -Dqnn4j.threads=%d" % args.threads)
    run = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if run.returncode != 0:
        sys.exit(f"qnn4j train failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    for line in run.stdout.splitlines():
        if line.startswith("input:") or line.startswith("Adam"):
            print("  qnn4j " + line, flush=True)
    accuracies = []
    last_step = {}
    with open(metrics) as f:
        for line in f:
            m = json.loads(line)
            if m["event"] == "step":
                last_step[m["epoch"]] = m
            else:
                accuracies.append(100.0 * m["test_accuracy"])
                ips = last_step[m["epoch"]]["images_per_s"]
                print(f"  qnn4j epoch {m['epoch']}: test accuracy {accuracies[-1]:.2f}%,"
                      f" {ips:.0f} training images/s", flush=True)
    # The last step of an epoch carries the epoch's training images/s (evaluation excluded).
    seconds = sum(60000 / s["images_per_s"] for s in last_step.values())
    return accuracies, 60000 * len(last_step) / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="tfc_1w1a,tfc_2w2a")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--qnn4j", default="./qnn4j")
    parser.add_argument("--work", default=None, help="directory for weights and metrics")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    work = args.work or tempfile.mkdtemp(prefix="zoo-side-by-side-")
    os.makedirs(work, exist_ok=True)
    train = load_split(args.data, "train")
    test = load_split(args.data, "t10k")
    print(f"torch {torch.__version__}, {args.threads} thread(s); Fashion-MNIST {train[0].size(0)}"
          f" train / {test[0].size(0)} test; {args.epochs} epochs, Adam lr {args.lr}, batch"
          f" {args.batch_size}, SqrHinge, weights clipped to [-1, 1]; work dir {work}", flush=True)
    summary = []
    for name in args.models.split(","):
        print(f"{name}:", flush=True)
        torch.manual_seed(args.seed)
        model, _ = model_with_cfg(name, pretrained=False)
        init_pth = os.path.join(work, name + ".init.pth")
        torch.save(model.state_dict(), init_pth)
        b_acc, b_ips = train_brevitas(model, train, test, args)
        q_acc, q_ips = train_qnn4j(name, init_pth, work, args)
        summary.append((name, b_acc[-1], b_ips, q_acc[-1], q_ips))
        print(f"  result {name}: brevitas {b_acc[-1]:.2f}% at {b_ips:.0f} img/s, qnn4j"
              f" {q_acc[-1]:.2f}% at {q_ips:.0f} img/s, load average {os.getloadavg()[0]:.1f}",
              flush=True)
    print()
    print("model     brevitas acc  brevitas img/s  qnn4j acc  qnn4j img/s  qnn4j - brevitas")
    for name, ba, bi, qa, qi in summary:
        print(f"{name:9} {ba:11.2f}% {bi:15.0f} {qa:9.2f}% {qi:12.0f} {qa - ba:+15.2f}")


if __name__ == "__main__":
    main()
