#!/usr/bin/env python3
"""Writes the PyTorch checkpoint fixtures of TorchFilesTest (and of the end-to-end test).

Run with Debian's python3-torch (1.13.1 when these were made), from this directory:

    apt-get install python3-torch && /usr/bin/python3 make_fixtures.py

Every file is written by torch.save itself, in both of its formats: the zip archive (default since
torch 1.6) and the older pickle format (_use_new_zipfile_serialization=False). The expected values
are written beside them in forms the Java side reads with readers of its own (safetensors, text),
so the tests compare value for value. The hostile files are pickles that would run a command if
loaded with Python's pickle; the command only creates /tmp/qnn4j-pickle-was-run, which the tests
check is never created.
"""
import json
import os
import pickle
import struct
from collections import OrderedDict

import torch
from torch import nn

torch.manual_seed(0)


def save_both(obj, name):
    torch.save(obj, name + ".pth")
    torch.save(obj, name + ".legacy.pth", _use_new_zipfile_serialization=False)


# --- The seed's float LeNet-5 (3x32x32 input), as samples/FloatLeNet declares it ----------------
class FloatLeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(x.flatten(1)))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


lenet = FloatLeNet()
state = lenet.state_dict()
save_both(state, "float_lenet")


def write_safetensors(tensors, path):
    """The same tensors as float32 safetensors: the expected values for the Java test."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


write_safetensors(state, "float_lenet.expected.safetensors")

# --- Element types, views and shared storages, inside a training checkpoint dict -----------------
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8 - 1
tensors = OrderedDict()
tensors["base"] = base                                # float32, the shared storage
tensors["transposed"] = base.t()                      # strides (1, 6)
tensors["sliced"] = base[1:3, 2:5]                    # offset 8, strides (6, 1)
tensors["every_other"] = base[:, ::2]                 # stride 2 in the last dimension
tensors["scalar_view"] = base[3, 5]                   # 0-d, offset 23
tensors["empty"] = base[:0]                           # no elements
tensors["half"] = torch.tensor([0.5, -2.0, 65504.0, 6e-8, 1 / 3], dtype=torch.float16)
tensors["bfloat"] = torch.tensor([[1.0, -0.15625], [3e38, 1 / 3]], dtype=torch.bfloat16)
tensors["double"] = torch.tensor([1 / 3, -1e300], dtype=torch.float64)
tensors["bn.num_batches_tracked"] = torch.tensor(1234567890123, dtype=torch.int64)
tensors["int32"] = torch.tensor([-7, 2**31 - 1], dtype=torch.int32)
tensors["int16"] = torch.tensor([-300, 300], dtype=torch.int16)
tensors["int8"] = torch.tensor([-128, 127], dtype=torch.int8)
tensors["uint8"] = torch.tensor([0, 255], dtype=torch.uint8)
tensors["bool"] = torch.tensor([True, False, True])
tensors["param"] = nn.Parameter(torch.tensor([2.5, -0.75]))  # a Parameter, not a plain tensor
checkpoint = {
    "epoch": 3,
    "state_dict": tensors,
    "optimizer": {"param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), "amsgrad": False,
                                    "weight_decay": 0, "params": [0, 1], "name": None}],
                  "state": {}},
    "note": "a training checkpoint",
}
save_both(checkpoint, "dtypes")

with open("dtypes.expected.txt", "w") as f:
    f.write("# name dtype shape : values (row-major; floats as Python reprs of the exact values)\n")
    for name, t in tensors.items():
        t = t.detach()
        if t.dtype in (torch.float16, torch.bfloat16, torch.float32, torch.float64):
            values = [repr(float(v)) for v in t.to(torch.float64).flatten().tolist()]
        else:
            values = [str(int(v)) for v in t.to(torch.int64).flatten().tolist()]
        f.write("%s %s %s : %s\n" % (name, str(t.dtype).replace("torch.", ""),
                                     ",".join(str(d) for d in t.shape), " ".join(values)))

# --- Hostile files -------------------------------------------------------------------------------
COMMAND = "touch /tmp/qnn4j-pickle-was-run"

# A raw pickle (what a hand-made .pth can be): GLOBAL os.system, then REDUCE with a command.
with open("hostile_os_system.pth", "wb") as f:
    f.write(b"\x80\x02cos\nsystem\nX" + struct.pack("<I", len(COMMAND)) + COMMAND.encode() + b"\x85R.")


class RunsACommand:
    def __reduce__(self):
        return (os.system, (COMMAND,))


# torch.save of a state dict with one poisoned entry: the zip's data.pkl names posix.system.
torch.save({"conv1.weight": torch.zeros(1), "conv1.bias": RunsACommand()}, "hostile_reduce.pth")

# torch.save(model) pickles the module's class: refused, with advice to save the state dict.
torch.save(nn.Linear(2, 2), "whole_module.pth")

for name in sorted(os.listdir(".")):
    if not name.endswith(".py"):
        print("%8d  %s" % (os.path.getsize(name), name))
print("torch", torch.__version__, "pickle", pickle.format_version)
