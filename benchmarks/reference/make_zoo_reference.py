#!/usr/bin/env python3
"""Reference vectors for issue 17 (bnn_pynq model zoo, ResNet/MobileNet/UNet layers) from real Brevitas.

Writes runtime/src/test/resources/reference/brevitas-zoo/ (or the directory given as argument): .npy arrays,
.safetensors state dicts, the ONNX files Brevitas exports (up to 1 MiB; summaries of all), and index.json describing
every case. The zoo models' weights are not stored: they come from a deterministic recipe (apply_weight_recipe; the
README there describes it) and a manifest per model lists every state-dict key with the SHA-256 of its tensor. Never
hand-edit the output: change this script and run it again.

How to run (no PyPI; Debian bookworm packages plus fetched sources kept OUTSIDE the repository):
    apt-get install -y python3-torch python3-numpy python3-onnx python3-sympy python3-packaging
    # Brevitas at tag v0.11.0 and its DI package `dependencies` at 2.0.1 (the version Brevitas 0.11 pins):
    git --git-dir=<mirror of github.com/Xilinx/brevitas> archive v0.11.0 | tar -x -C /work/ext17/brevitas
    git --git-dir=<mirror of github.com/proofit404/dependencies> archive 2.0.1 | tar -x -C /work/ext17/dependencies
    PYTHONPATH=/work/ext17/brevitas/src:/work/ext17/dependencies/src \
        /usr/bin/python3 benchmarks/reference/make_zoo_reference.py [out_dir]
Everything runs on the CPU in float32 with torch.manual_seed(0) before each case, single-threaded so that
reductions are summed in one order.
"""
import copy
import json
import os
import struct
import sys
import traceback

import numpy as np
import torch

try:
    import onnxoptimizer  # noqa: F401  (PyPI only; not packaged by Debian)
except ModuleNotFoundError:
    # Brevitas' ONNX managers import onnxoptimizer and run two cleanup passes with it
    # (extract_constant_to_initializer, eliminate_unused_initializer). Debian has no onnxoptimizer, so this
    # stand-in returns the model unchanged: the exported graphs keep their constants as Constant nodes, exactly
    # as in ../shared/reference/brevitas/ (made the same way). Node order and values are what Brevitas exports.
    import types
    onnxoptimizer = types.ModuleType("onnxoptimizer")
    onnxoptimizer.optimize = lambda model, passes=None: model
    sys.modules["onnxoptimizer"] = onnxoptimizer
from torch import nn

import brevitas.nn as qnn
from brevitas.core.restrict_val import RestrictValueType
from brevitas.core.scaling import ScalingImplType
from brevitas.quant import Int8WeightPerChannelFloat
from brevitas.quant import Int32Bias
from brevitas.quant import RoundTo8bit
from brevitas.quant import TruncTo8bit
from brevitas.quant_tensor import QuantTensor
from brevitas_examples.bnn_pynq.models import model_with_cfg
from brevitas_examples.bnn_pynq.models.common import CommonActQuant
from brevitas_examples.bnn_pynq.models.common import CommonWeightQuant
from brevitas_examples.bnn_pynq.models.tensor_norm import TensorNorm

torch.set_num_threads(1)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    REPO, "runtime", "src", "test", "resources", "reference", "brevitas-zoo")
CASES = []
LIMITATIONS = []
PROBES = []


def save(name, value):
    """Saves a tensor (or QuantTensor field) as .npy: float32, or int64 for integer tensors."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    value = np.asarray(value)
    value = value.astype(np.int64) if value.dtype.kind in "iub" else value.astype(np.float32)
    fname = name + ".npy"
    np.save(os.path.join(OUT, fname), np.ascontiguousarray(value))
    return fname


def save_safetensors(name, state_dict):
    """Writes a PyTorch state dict as .safetensors (F32 / I64), keys sorted, header padded to 8 bytes."""
    header, blobs, offset = {}, [], 0
    for key in sorted(state_dict):
        t = state_dict[key].detach().cpu().contiguous()
        if t.dtype.is_floating_point:
            arr, dtype = t.to(torch.float32).numpy(), "F32"
        else:
            arr, dtype = t.to(torch.int64).numpy(), "I64"
        data = arr.tobytes()
        header[key] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    fname = name + ".safetensors"
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    return fname


def failure(exc):
    """The one-line message of a Brevitas failure, with its exception type."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {msg}"


def qt_fields(prefix, qt, out):
    """value, scale, integer representation, bit width and zero point of a QuantTensor."""
    out["value"] = save(prefix + ".value", qt.value)
    out["scale"] = save(prefix + ".scale", qt.scale)
    out["zero_point"] = save(prefix + ".zero_point", qt.zero_point)
    out["bit_width"] = save(prefix + ".bit_width", qt.bit_width)
    try:
        out["int"] = save(prefix + ".int", qt.int())
    except RuntimeError as e:  # values off the integer grid (e.g. a float average of a QuantTensor)
        out["int_failure"] = failure(e)
    out["signed"] = bool(qt.signed)


def remove_files_of(case_name):
    """Deletes what a case that failed half-way wrote, so that every file in OUT is listed in index.json."""
    for f in os.listdir(OUT):
        if f.startswith(case_name + "."):
            os.remove(os.path.join(OUT, f))


def add_case(case):
    CASES.append(case)
    print(case["name"], flush=True)


# ----------------------------------------------------------------------------------------------
# a) quantizers
# ----------------------------------------------------------------------------------------------

def weight_quant_case(name, config, shape, **kwargs):
    """Weight fake-quantization of a QuantLinear/QuantConv2d weight: dequantized, int, scale, STE grad."""
    torch.manual_seed(0)
    if len(shape) == 2:
        layer = qnn.QuantLinear(shape[1], shape[0], bias=False, **kwargs)
    else:
        layer = qnn.QuantConv2d(shape[1], shape[0], shape[2], bias=False, **kwargs)
    with torch.no_grad():
        layer.weight.uniform_(-1.5, 1.5)  # beyond the constant scale of 1.0: exercises the clamp
    layer.train()
    qw = layer.quant_weight()
    upstream = torch.randn(qw.value.shape)
    (qw.value * upstream).sum().backward()
    outputs = {}
    qt_fields(name + ".quant_weight", qw, outputs)
    outputs["weight_grad"] = save(name + ".weight_grad", layer.weight.grad)
    add_case({
        "name": name, "kind": "weight_quant", **config,
        "inputs": {"weight": save(name + ".weight", layer.weight), "upstream_grad": save(name + ".upstream", upstream)},
        "outputs": outputs})


def act_quant_case(name, config, module, shape=(4, 16), spread=1.5):
    """Activation fake-quantization in training mode (output, int, scale, STE input grad, scale grads), then eval."""
    torch.manual_seed(0)
    x = (torch.randn(shape) * spread).requires_grad_(True)
    module.train()
    out = module(x)
    upstream = torch.randn(out.value.shape)
    (out.value * upstream).sum().backward()
    outputs = {}
    qt_fields(name + ".train", out, outputs)
    outputs["input_grad"] = save(name + ".input_grad", x.grad)
    for pname, p in module.named_parameters():
        outputs["param_grad." + pname] = save(name + ".grad." + pname, p.grad if p.grad is not None else torch.zeros_like(p))
        outputs["param." + pname] = save(name + ".param." + pname, p)
    module.eval()
    x_eval = torch.randn(shape) * spread
    with torch.no_grad():
        out_eval = module(x_eval)
    eval_out = {}
    qt_fields(name + ".eval", out_eval, eval_out)
    add_case({
        "name": name, "kind": "act_quant", **config,
        "inputs": {"input": save(name + ".input", x), "upstream_grad": save(name + ".upstream", upstream),
                   "eval_input": save(name + ".eval_input", x_eval)},
        "outputs": {**outputs, **{"eval_" + k: v for k, v in eval_out.items()}}})


def quantizers():
    wq = "brevitas_examples.bnn_pynq.models.common.CommonWeightQuant"
    aq = "brevitas_examples.bnn_pynq.models.common.CommonActQuant"
    weight_quant_case("wq_binary_linear", {"quant": wq, "bit_width": 1, "note": "BINARY: sign, const scale 1.0"},
                      (8, 16), weight_quant=CommonWeightQuant, weight_bit_width=1)
    weight_quant_case("wq_binary_conv", {"quant": wq, "bit_width": 1}, (6, 3, 3, 3),
                      weight_quant=CommonWeightQuant, weight_bit_width=1)
    weight_quant_case("wq_int2_narrow", {"quant": wq, "bit_width": 2, "narrow_range": True, "scaling_const": 1.0},
                      (8, 16), weight_quant=CommonWeightQuant, weight_bit_width=2)
    weight_quant_case("wq_int2_wide", {"quant": wq, "bit_width": 2, "narrow_range": False, "scaling_const": 1.0},
                      (8, 16), weight_quant=CommonWeightQuant, weight_bit_width=2, weight_narrow_range=False)
    weight_quant_case("wq_int4_const_conv", {"quant": wq, "bit_width": 4, "narrow_range": True, "scaling_const": 1.0},
                      (6, 3, 3, 3), weight_quant=CommonWeightQuant, weight_bit_width=4)
    weight_quant_case("wq_int4_const_po2", {"quant": wq, "bit_width": 4, "scaling_const": 0.3,
                                            "restrict_scaling_type": "POWER_OF_TWO"},
                      (8, 16), weight_quant=CommonWeightQuant, weight_bit_width=4, weight_scaling_const=0.3,
                      weight_restrict_scaling_type=RestrictValueType.POWER_OF_TWO)
    try:
        weight_quant_case("wq_int2_const_per_channel", {"quant": wq, "bit_width": 2, "scaling_per_output_channel": True},
                          (6, 3, 3, 3), weight_quant=CommonWeightQuant, weight_bit_width=2,
                          weight_scaling_per_output_channel=True)
    except Exception as e:  # recorded, not hidden
        LIMITATIONS.append({"case": "wq_int2_const_per_channel", "what": "CommonWeightQuant with "
                            "scaling_per_output_channel=True", "failure": failure(e)})
    weight_quant_case("wq_int4_per_channel_float_conv", {"quant": "brevitas.quant.Int8WeightPerChannelFloat",
                                                         "bit_width": 4, "note": "resnet18_4w4a's conv weights"},
                      (8, 4, 3, 3), weight_quant=Int8WeightPerChannelFloat, weight_bit_width=4)

    act_quant_case("aq_binary", {"quant": aq, "bit_width": 1, "min_val": -1.0, "max_val": 1.0},
                   qnn.QuantIdentity(act_quant=CommonActQuant, bit_width=1, return_quant_tensor=True))
    act_quant_case("aq_int2_narrow", {"quant": aq, "bit_width": 2, "narrow_range": True},
                   qnn.QuantIdentity(act_quant=CommonActQuant, bit_width=2, return_quant_tensor=True))
    act_quant_case("aq_int2_wide", {"quant": aq, "bit_width": 2, "narrow_range": False},
                   qnn.QuantIdentity(act_quant=CommonActQuant, bit_width=2, narrow_range=False,
                                     return_quant_tensor=True))
    act_quant_case("aq_int4_minmax_asym", {"quant": aq, "bit_width": 4, "min_val": -0.5, "max_val": 2.0},
                   qnn.QuantIdentity(act_quant=CommonActQuant, bit_width=4, min_val=-0.5, max_val=2.0,
                                     return_quant_tensor=True))
    act_quant_case("aq_cnv_input_q17", {"quant": aq, "bit_width": 8, "min_val": -1.0, "max_val": 1.0 - 2.0 ** -7,
                                        "narrow_range": False, "restrict_scaling_type": "POWER_OF_TWO",
                                        "note": "CNV's first layer, Q1.7"},
                   qnn.QuantIdentity(act_quant=CommonActQuant, bit_width=8, min_val=-1.0, max_val=1.0 - 2.0 ** -7,
                                     narrow_range=False, restrict_scaling_type=RestrictValueType.POWER_OF_TWO,
                                     return_quant_tensor=True))
    act_quant_case("aq_int4_po2_param", {"quant": aq, "bit_width": 4, "scaling_impl_type": "PARAMETER",
                                         "restrict_scaling_type": "POWER_OF_TWO", "min_val": -1.0, "max_val": 1.0,
                                         "note": "learned log2 scale: gradient of the scale parameter"},
                   qnn.QuantIdentity(act_quant=CommonActQuant, bit_width=4, scaling_impl_type=ScalingImplType.PARAMETER,
                                     restrict_scaling_type=RestrictValueType.POWER_OF_TWO, return_quant_tensor=True))


# ----------------------------------------------------------------------------------------------
# b) layers
# ----------------------------------------------------------------------------------------------

def put_state(files, key, prefix, module):
    """Saves a module's state dict under files[key], unless it holds nothing (parameterless layers)."""
    state = module.state_dict()
    if state:
        files[key] = save_safetensors(prefix + ".state", state)


def value_of(out):
    return out.value if isinstance(out, QuantTensor) else out


def save_output(outputs, key, file_prefix, out):
    """A layer's output: the QuantTensor fields under key.value, key.scale, ..., or a plain tensor under key."""
    if isinstance(out, QuantTensor):
        fields = {}
        qt_fields(file_prefix, out, fields)
        outputs.update({f"{key}.{k}": v for k, v in fields.items()})
    else:
        outputs[key] = save(file_prefix, out)


def layer_case(name, config, module, inputs, train=True, steps=1, pre=None, eval_inputs=None, call=None):
    """Runs `module` (optionally behind `pre`, a quantizer producing its QuantTensor input) for `steps` training
    steps (forward, backward of sum(out * upstream), no optimizer) and then once in eval mode."""
    call = call or (lambda m, xs: m(*xs))
    case_inputs, outputs = {}, {}
    put_state(case_inputs, "state_before", name + ".before", module)
    for s in range(steps if train else 0):
        module.train()
        if pre is not None:
            pre.train()
        xs = [x.clone().requires_grad_(True) for x in inputs[s]]
        ins = [pre(x) for x in xs] if pre is not None else xs
        out = call(module, ins)
        upstream = torch.randn(value_of(out).shape)
        module.zero_grad()
        (value_of(out) * upstream).sum().backward()
        for i, x in enumerate(xs):
            case_inputs[f"step{s}.input{i}"] = save(f"{name}.step{s}.input{i}", x)
            outputs[f"step{s}.input{i}_grad"] = save(f"{name}.step{s}.input{i}_grad", x.grad)
        case_inputs[f"step{s}.upstream"] = save(f"{name}.step{s}.upstream", upstream)
        save_output(outputs, f"step{s}.out", f"{name}.step{s}.out", out)
        for pname, p in module.named_parameters():
            if p.grad is not None:
                outputs[f"step{s}.grad.{pname}"] = save(f"{name}.step{s}.grad.{pname}", p.grad)
        for pname, p in (pre.named_parameters() if pre is not None else []):
            if p.grad is not None:
                outputs[f"step{s}.pre_grad.{pname}"] = save(f"{name}.step{s}.pre_grad.{pname}", p.grad)
                p.grad = None
    module.eval()
    if pre is not None:
        pre.eval()
    with torch.no_grad():
        xs = eval_inputs
        ins = [pre(x) for x in xs] if pre is not None else xs
        out = call(module, ins)
    for i, x in enumerate(xs):
        case_inputs[f"eval.input{i}"] = save(f"{name}.eval.input{i}", x)
    save_output(outputs, "eval.out", f"{name}.eval.out", out)
    put_state(outputs, "state_after", name + ".after", module)
    if pre is not None:
        put_state(outputs, "pre_state_after", name + ".pre_after", pre)
    add_case({"name": name, "kind": "layer", **config, "train_steps": steps if train else 0,
              "inputs": case_inputs, "outputs": outputs})


def rand_inputs(steps, *shapes, spread=1.0):
    return [[torch.randn(s) * spread for s in shapes] for _ in range(steps)]


RELU4 = "QuantReLU(bit_width=4, return_quant_tensor=True)"
IDENTITY4 = "QuantIdentity(bit_width=4, return_quant_tensor=True)"
PRE_QUANTIZERS = {RELU4: lambda: qnn.QuantReLU(bit_width=4, return_quant_tensor=True),
                  IDENTITY4: lambda: qnn.QuantIdentity(bit_width=4, return_quant_tensor=True)}


def quant_input_layer_case(name, layer, pre_name, make_module, shapes, steps, **config):
    """A layer fed by a 4-bit quantizer (`pre_name`) that makes its QuantTensor input; seed 0, then the
    quantizer, the layer, the training inputs and the eval inputs are drawn in that order."""
    torch.manual_seed(0)
    pre = PRE_QUANTIZERS[pre_name]()
    module = make_module()
    inputs = rand_inputs(steps, *shapes)
    layer_case(name, {"layer": layer, "pre": pre_name, **config}, module, inputs, steps=steps, pre=pre,
               eval_inputs=[torch.randn(s) for s in shapes])


def layers():
    torch.manual_seed(0)
    bn = nn.BatchNorm1d(8)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.5, 0.5)
    layer_case("batchnorm1d", {"layer": "torch.nn.BatchNorm1d(8)", "eps": 1e-5, "momentum": 0.1}, bn,
               rand_inputs(3, (4, 8), spread=2.0), steps=3, eval_inputs=[torch.randn(4, 8)])
    torch.manual_seed(0)
    bn = nn.BatchNorm1d(8, eps=1e-4)
    layer_case("batchnorm1d_eps1e-4_3d", {"layer": "torch.nn.BatchNorm1d(8, eps=1e-4)", "input": "[N, C, L]"}, bn,
               rand_inputs(2, (3, 8, 5)), steps=2, eval_inputs=[torch.randn(3, 8, 5)])

    torch.manual_seed(0)
    tn = TensorNorm()
    with torch.no_grad():
        tn.weight.fill_(1.25)
        tn.bias.fill_(-0.25)
    layer_case("tensor_norm", {"layer": "brevitas_examples.bnn_pynq.models.tensor_norm.TensorNorm()",
                               "eps": 1e-4, "momentum": 0.1, "note": "weight/bias set to 1.25/-0.25 before training"},
               tn, rand_inputs(3, (4, 10), spread=3.0), steps=3, eval_inputs=[torch.randn(4, 10) * 3])

    torch.manual_seed(0)
    layer_case("dropout_eval", {"layer": "torch.nn.Dropout(p=0.2)", "note": "eval only: identity"}, nn.Dropout(0.2),
               None, train=False, eval_inputs=[torch.randn(4, 8)])

    torch.manual_seed(0)
    layer_case("quant_hardtanh_b4", {"layer": "QuantHardTanh(bit_width=4, min_val=-1, max_val=1)",
                                     "act_quant": "Int8ActPerTensorFloatMinMaxInit (default)"},
               qnn.QuantHardTanh(bit_width=4, min_val=-1.0, max_val=1.0, return_quant_tensor=True),
               rand_inputs(2, (4, 16), spread=1.5), steps=2, eval_inputs=[torch.randn(4, 16) * 1.5])
    torch.manual_seed(0)
    layer_case("quant_sigmoid_b4", {"layer": "QuantSigmoid(bit_width=4)",
                                    "act_quant": "Uint8ActPerTensorFloat (default): 300-step statistics, then learned"},
               qnn.QuantSigmoid(bit_width=4, return_quant_tensor=True),
               rand_inputs(3, (4, 16), spread=2.0), steps=3, eval_inputs=[torch.randn(4, 16) * 2])
    torch.manual_seed(0)
    layer_case("quant_tanh_b4", {"layer": "QuantTanh(bit_width=4)",
                                 "act_quant": "Int8ActPerTensorFloat (default): 300-step statistics, then learned"},
               qnn.QuantTanh(bit_width=4, return_quant_tensor=True),
               rand_inputs(3, (4, 16), spread=2.0), steps=3, eval_inputs=[torch.randn(4, 16) * 2])

    # Average pools need a QuantTensor input: a 4-bit QuantReLU in front (its state is in pre_state_after).
    for pool_name, kernel, trunc, trunc_name in [("trunc_avg_pool_k2_floor", 2, TruncTo8bit, "TruncTo8bit"),
                                                 ("trunc_avg_pool_k4_floor", 4, TruncTo8bit, "TruncTo8bit"),
                                                 ("trunc_avg_pool_k2_round", 2, RoundTo8bit, "RoundTo8bit")]:
        quant_input_layer_case(
            pool_name, f"TruncAvgPool2d(kernel_size={kernel}, trunc_quant={trunc_name})", RELU4,
            lambda: qnn.TruncAvgPool2d(kernel_size=kernel, trunc_quant=trunc, return_quant_tensor=True),
            [(2, 3, 8, 8)], 2)
    quant_input_layer_case("trunc_adaptive_avg_pool_global", "TruncAdaptiveAvgPool2d(output_size=1) (default "
                           "RoundTo8bit)", RELU4,
                           lambda: qnn.TruncAdaptiveAvgPool2d(output_size=1, return_quant_tensor=True),
                           [(2, 3, 4, 4)], 2)
    quant_input_layer_case("adaptive_avg_pool_float_on_quant", "torch.nn.AdaptiveAvgPool2d(1) on a QuantTensor",
                           RELU4, lambda: nn.AdaptiveAvgPool2d(1), [(2, 3, 4, 4)], 1)
    quant_input_layer_case("quant_upsample_nearest_x2", "QuantUpsamplingNearest2d(scale_factor=2)", IDENTITY4,
                           lambda: qnn.QuantUpsamplingNearest2d(scale_factor=2, return_quant_tensor=True),
                           [(2, 3, 3, 4)], 2)
    quant_input_layer_case("quant_upsample_nearest_size", "QuantUpsample(size=(5, 7), mode='nearest')", IDENTITY4,
                           lambda: qnn.QuantUpsample(size=(5, 7), mode="nearest", return_quant_tensor=True),
                           [(2, 3, 3, 4)], 1)

    # QuantCat: its own input quantizer (shared by every input, so scales match) and output quantizer.
    torch.manual_seed(0)
    try:
        layer_case("quant_cat_default", {"layer": "QuantCat() (Int8ActPerTensorFloat in and out), dim=1"},
                   qnn.QuantCat(return_quant_tensor=True), rand_inputs(2, (2, 3, 4, 4), (2, 5, 4, 4)), steps=2,
                   eval_inputs=[torch.randn(2, 3, 4, 4), torch.randn(2, 5, 4, 4)],
                   call=lambda m, xs: m(list(xs), dim=1))
    except Exception as e:
        remove_files_of("quant_cat_default")
        LIMITATIONS.append({"case": "quant_cat_default", "what": "brevitas.nn.QuantCat forward",
                            "failure": failure(e)})
    # torch.cat of QuantTensors from one shared quantizer (the UNet skip pattern): scale carried through.
    torch.manual_seed(0)
    shared = qnn.QuantIdentity(bit_width=4, return_quant_tensor=True)
    layer_case("torch_cat_shared_quant", {"layer": "torch.cat of two QuantTensors from one QuantIdentity(bit_width=4)"},
               nn.Identity(), rand_inputs(1, (2, 3, 4, 4), (2, 2, 4, 4)), steps=1, pre=shared,
               eval_inputs=[torch.randn(2, 3, 4, 4), torch.randn(2, 2, 4, 4)],
               call=lambda m, xs: torch.cat(list(xs), dim=1))
    # torch.cat of QuantTensors whose scales differ: measured behaviour.
    torch.manual_seed(0)
    qa = qnn.QuantIdentity(bit_width=4, return_quant_tensor=True).eval()
    qb = qnn.QuantIdentity(bit_width=4, return_quant_tensor=True)
    with torch.no_grad():
        qb.train()
        qb(torch.randn(2, 2, 4, 4) * 5)  # different statistics
        qb.eval()
        try:
            r = torch.cat([qa(torch.randn(2, 3, 4, 4)), qb(torch.randn(2, 2, 4, 4))], dim=1)
            LIMITATIONS.append({"case": "torch_cat_mismatched_scales", "what": "torch.cat of QuantTensors with "
                                "different scales (eval)", "failure": "no error; result is " + type(r).__name__})
        except Exception as e:
            LIMITATIONS.append({"case": "torch_cat_mismatched_scales", "what": "torch.cat of QuantTensors with "
                                "different scales (eval)", "failure": failure(e)})
    # ... and QuantEltwiseAdd-free `+` of QuantTensors with different scales (the resnet residual add).
    with torch.no_grad():
        try:
            r = qa(torch.randn(2, 3)) + qb(torch.randn(2, 3))
            LIMITATIONS.append({"case": "add_mismatched_scales", "what": "QuantTensor + QuantTensor with different "
                                "scales (eval)", "failure": "no error; result is " + type(r).__name__ +
                                (" with scale None" if getattr(r, "scale", 1) is None else "")})
        except Exception as e:
            LIMITATIONS.append({"case": "add_mismatched_scales", "what": "QuantTensor + QuantTensor with different "
                                "scales (eval)", "failure": failure(e)})

    quant_input_layer_case("quant_conv1d", "QuantConv1d(4, 6, 3, stride=2, padding=1, weight_bit_width=4, bias=True, "
                           "bias_quant=Int32Bias)", IDENTITY4,
                           lambda: qnn.QuantConv1d(4, 6, 3, stride=2, padding=1, bias=True, weight_bit_width=4,
                                                   bias_quant=Int32Bias, return_quant_tensor=True),
                           [(2, 4, 9)], 2)
    quant_input_layer_case("quant_conv_transpose2d", "QuantConvTranspose2d(4, 3, 3, stride=2, padding=1, "
                           "output_padding=1, weight_bit_width=4, bias=True, bias_quant=Int32Bias)", IDENTITY4,
                           lambda: qnn.QuantConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1, bias=True,
                                                            weight_bit_width=4, bias_quant=Int32Bias,
                                                            return_quant_tensor=True),
                           [(2, 4, 3, 5)], 2, weight_layout="[in, out/groups, kh, kw]")
    quant_input_layer_case("quant_conv_transpose2d_k2s2", "QuantConvTranspose2d(4, 2, 2, stride=2, weight_bit_width=4, "
                           "bias=False)", IDENTITY4,
                           lambda: qnn.QuantConvTranspose2d(4, 2, 2, stride=2, bias=False, weight_bit_width=4,
                                                            return_quant_tensor=True),
                           [(2, 4, 3, 3)], 1, note="UNet-style upsampling")
    quant_input_layer_case("quant_conv2d_depthwise", "QuantConv2d(4, 4, 3, padding=1, groups=4, weight_bit_width=4, "
                           "weight_quant=Int8WeightPerChannelFloat)", IDENTITY4,
                           lambda: qnn.QuantConv2d(4, 4, 3, padding=1, groups=4, bias=False, weight_bit_width=4,
                                                   weight_quant=Int8WeightPerChannelFloat, return_quant_tensor=True),
                           [(2, 4, 5, 5)], 2)


# ----------------------------------------------------------------------------------------------
# c) the bnn_pynq zoo
# ----------------------------------------------------------------------------------------------

def images(shape):
    """8-bit images in [0, 1] (k / 255), as the bnn_pynq trainers feed them."""
    return torch.randint(0, 256, shape).float() / 255.0


MAX_ONNX_BYTES = 1 << 20


def jsonable(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, (int, float, str)):
        return v
    try:
        return [jsonable(e) for e in v]
    except TypeError:
        return str(v)


def onnx_summary(path, fname):
    """Structure of an exported graph: size, sha256, opsets, inputs/outputs, every node (op type, domain,
    attributes, inputs, outputs), and the values of every small constant (scales, zero points, bit widths)."""
    import hashlib
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    consts = {}
    for init in model.graph.initializer:
        consts[init.name] = numpy_helper.to_array(init)
    nodes = []
    for n in model.graph.node:
        attrs = {}
        for a in n.attribute:
            if a.name == "value" and a.type == onnx.AttributeProto.TENSOR:
                consts[n.output[0]] = numpy_helper.to_array(a.t)
                arr = consts[n.output[0]]
                attrs["value"] = {"dtype": str(arr.dtype), "shape": list(arr.shape)}
            else:
                attrs[a.name] = jsonable(onnx.helper.get_attribute_value(a))
        nodes.append({"op_type": n.op_type, "domain": n.domain, "inputs": list(n.input), "outputs": list(n.output),
                      "attributes": attrs})
    small = {k: {"dtype": str(v.dtype), "shape": list(v.shape), "values": v.reshape(-1).tolist()}
             for k, v in consts.items() if v.size <= 64}
    summary = {"bytes": os.path.getsize(path), "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
               "opset_import": {o.domain: o.version for o in model.opset_import},
               "inputs": [i.name for i in model.graph.input], "outputs": [o.name for o in model.graph.output],
               "nodes": nodes, "small_constants": small}
    with open(os.path.join(OUT, fname), "w") as f:
        json.dump(summary, f, indent=None, separators=(",", ":"))
        f.write("\n")
    return fname


def try_export(name, kind, model, x, case):
    from brevitas.export import export_onnx_qcdq, export_qonnx
    exporter = {"qcdq": export_onnx_qcdq, "qonnx": export_qonnx}[kind]
    fname = f"{name}.{kind}.onnx"
    path = os.path.join(OUT, fname)
    model = copy.deepcopy(model)  # a failed export leaves export handlers behind: never reuse the module
    model.eval()
    try:
        with torch.no_grad():
            exporter(model, x, export_path=path)
        size = os.path.getsize(path)
        case["outputs"][kind + "_onnx_summary"] = onnx_summary(path, f"{name}.{kind}.summary.json")
        if size <= MAX_ONNX_BYTES:
            case["outputs"][kind + "_onnx"] = fname
        else:  # too large for the test resources: keep its summary (structure, quantization constants, digest)
            os.remove(path)
            case["onnx_not_stored"] = case.get("onnx_not_stored", []) + [
                f"{fname}: {size} bytes > {MAX_ONNX_BYTES}; regenerate with this script"]
    except Exception as e:
        if os.path.exists(path):
            os.remove(path)
        case["failures"][kind + "_export"] = failure(e)
        LIMITATIONS.append({"case": name, "what": f"{kind.upper()} export", "failure": failure(e)})


# Deterministic model weights (the "zoo weight recipe", README.md): every model case starts from weights computed by
# an integer hash of (position of the key in state-dict order, element index), so that the big state dicts need not
# be stored; the Java tests regenerate them (ZooWeights) and check each tensor's SHA-256 against the manifest.
M32 = 0xFFFFFFFF
HASH_T, HASH_I, HASH_ADD = 2654435761, 2246822519, 374761393
MIX1, MIX2 = 2246822519, 3266489917
# kind -> (numerator offset added to n = r - 32768, power-of-two exponent e): value = (n + offset) / 2**e
RECIPE_KINDS = {"weight": (0, 15), "norm_weight": (131072, 17), "bias": (0, 18), "running_mean": (0, 18),
                "running_var": (65536, 16)}
SUMMARY_ABOVE = 4096  # a tensor Brevitas computes with more elements than this is summarised, not stored


def recipe_r(t, n):
    """The 16-bit hash r(t, i) for i = 0..n-1 (uint64 arithmetic; every step is reduced modulo 2**32)."""
    i = np.arange(n, dtype=np.uint64)
    x = (np.uint64(t) * np.uint64(HASH_T) + i * np.uint64(HASH_I) + np.uint64(HASH_ADD)) & np.uint64(M32)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(MIX1)) & np.uint64(M32)
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(MIX2)) & np.uint64(M32)
    x ^= x >> np.uint64(16)
    return (x >> np.uint64(16)).astype(np.int64)


def recipe_kind(key, shape):
    last = key.rsplit(".", 1)[-1]
    if last == "weight":
        return "weight" if len(shape) >= 2 else "norm_weight"
    return last if last in RECIPE_KINDS else None


def fan_in_exponent(shape):
    """Smallest k >= 0 with 4**k >= fan_in (fan_in = elements per output row), so 2**-k <= 1/sqrt(fan_in)."""
    fan_in = int(np.prod(shape[1:]))
    k = 0
    while 4 ** k < fan_in:
        k += 1
    return k


def sha256_of(t):
    import hashlib
    arr = t.detach().cpu().contiguous().numpy()
    arr = arr.astype("<i8") if arr.dtype.kind in "iub" else arr.astype("<f4")
    return hashlib.sha256(arr.tobytes()).hexdigest()


def apply_weight_recipe(model, scale_by_fan_in):
    """Overwrites every float weight/bias/running_mean/running_var of `model` with the recipe; returns the manifest
    entries of every state-dict key, in Brevitas' state-dict order."""
    entries = []
    with torch.no_grad():
        for t, (key, tensor) in enumerate(model.state_dict().items()):
            shape = list(tensor.shape)
            kind = recipe_kind(key, shape) if tensor.dtype.is_floating_point else None
            entry = {"index": t, "key": key, "dtype": "F32" if tensor.dtype.is_floating_point else "I64",
                     "shape": shape}
            if kind is None:  # Brevitas' own initial value (quantizer state, counters): small, stored inline
                entry["init"] = "module"
                entry["values"] = tensor.detach().reshape(-1).tolist()
            else:
                offset, e = RECIPE_KINDS[kind]
                if kind == "weight" and scale_by_fan_in:
                    e += fan_in_exponent(shape)
                num = recipe_r(t, tensor.numel()) - 32768 + offset
                values = (num.astype(np.float64) / float(2 ** e)).astype(np.float32)  # exact: |num| < 2**24
                tensor.copy_(torch.from_numpy(values.reshape(shape)))
                entry.update({"init": "recipe", "kind": kind, "offset": offset, "exponent": e})
            entry["sha256"] = sha256_of(tensor)
            entries.append(entry)
    return entries


def tensor_summary(t):
    """Shape, SHA-256, statistics and a strided sample (64 elements) of a tensor too big to store."""
    flat = t.detach().reshape(-1).to(torch.float64)
    stride = max(1, flat.numel() // 64)
    return {"shape": list(t.shape), "sha256": sha256_of(t), "min": flat.min().item(), "max": flat.max().item(),
            "mean": flat.mean().item(), "sample_stride": stride, "sample": flat[::stride][:64].tolist()}


def store_changed_state(file_prefix, before, after, what):
    """The tensors of `after` that differ from `before`: small ones in one .safetensors file, big ones summarised.
    Returns (file name or None, {key: summary} for the big ones, list of changed keys)."""
    changed = [k for k in after if k not in before or not torch.equal(before[k], after[k])]
    small = {k: after[k] for k in changed if after[k].numel() <= SUMMARY_ABOVE}
    big = {k: tensor_summary(after[k]) for k in changed if after[k].numel() > SUMMARY_ABOVE}
    fname = save_safetensors(file_prefix, small) if small else None
    print(f"  {what}: {len(changed)} tensors changed, {len(big)} summarised", flush=True)
    return fname, big, changed


def write_manifest(name, scale_by_fan_in, entries, after, stats_changed, stats_file, stats_big):
    """The manifest: every key of the initial state dict (recipe or module values, SHA-256) with where its value
    after the statistics steps is; then the keys the statistics steps add (Brevitas saves a statistics-initialised
    scale only once it has statistics) and the key order of the state dict after them, which a strict load needs."""
    initial_keys = {e["key"] for e in entries}
    added = [{"key": k, "dtype": "F32" if after[k].dtype.is_floating_point else "I64", "shape": list(after[k].shape),
              "sha256": sha256_of(after[k]),
              "after_stats": {"summary": stats_big[k]} if k in stats_big else stats_file}
             for k in after if k not in initial_keys]
    for e in entries:
        key = e["key"]
        if key not in stats_changed:
            e["after_stats"] = "unchanged"
        elif key in stats_big:
            e["after_stats"] = {"summary": stats_big[key]}
        else:
            e["after_stats"] = stats_file
    manifest = {"model": name, "recipe": "zoo weight recipe (README.md)",
                "weight_scale": "fan_in" if scale_by_fan_in else "unit", "tensors": entries,
                "added_by_stats": added, "keys_after_stats": list(after)}
    fname = name + ".weights.manifest.json"
    with open(os.path.join(OUT, fname), "w") as f:
        json.dump(manifest, f, indent=None, separators=(",", ":"))
        f.write("\n")
    return fname


def zoo_model(name, input_shape, stats_steps=3, batch=4, scale_by_fan_in=False):
    from brevitas.graph.calibrate import calibration_mode
    torch.manual_seed(0)
    model, cfg = model_with_cfg(name, False)
    entries = apply_weight_recipe(model, scale_by_fan_in)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    x_stats = [images((batch,) + input_shape) for _ in range(stats_steps)]
    x_eval = images((batch,) + input_shape)
    x_calib = [images((batch,) + input_shape) for _ in range(2)]
    case = {"name": name, "kind": "model", "model": f"brevitas_examples.bnn_pynq.models.model_with_cfg('{name}', "
            "pretrained=False) after torch.manual_seed(0), then every weight, bias, running_mean and running_var set by "
            "the zoo weight recipe (README.md; weight_scale " + ("fan_in" if scale_by_fan_in else "unit") + ")",
            "config": {s: dict(cfg[s]) for s in cfg.sections()},
            "stats_steps": stats_steps,
            "stats_note": "training-mode forwards under torch.no_grad() without an optimizer (Dropout modules kept in "
                          "eval so the run is deterministic): only buffers change (BatchNorm/TensorNorm running "
                          "stats, activation-statistics buffers); the weights are the recipe's. The manifest lists every state-dict key "
                          "(after_stats: 'unchanged', the file holding its value after the statistics steps, or a "
                          "summary)",
            "inputs": {}, "outputs": {}, "failures": {}}
    # statistics collected in training mode: what Brevitas can do for every zoo model
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    stats_logits = []
    with torch.no_grad():
        for s, xs in enumerate(x_stats):
            out = model(xs)
            stats_logits.append(value_of(out).clone())
            case["inputs"][f"stats{s}"] = save(f"{name}.stats{s}.input", xs)
            case["outputs"][f"stats{s}.train_logits"] = save(f"{name}.stats{s}.train_logits", value_of(out))
    model.eval()
    after = model.state_dict()
    stats_after = {k: v.clone() for k, v in after.items()}
    stats_file, stats_big, stats_changed = store_changed_state(name + ".stats_state", initial, after,
                                                               "statistics steps")
    case["outputs"]["weights_manifest"] = write_manifest(name, scale_by_fan_in, entries, after, stats_changed,
                                                         stats_file, stats_big)
    if stats_file:
        case["outputs"]["stats_state"] = stats_file
    with torch.no_grad():
        logits = value_of(model(x_eval))
    case["inputs"]["eval"] = save(name + ".eval.input", x_eval)
    case["outputs"]["eval_logits"] = save(name + ".eval.logits", logits)

    # PTQ with Brevitas' calibration_mode, on a copy of the statistics state
    ptq = copy.deepcopy(model)
    ptq.eval()
    try:
        with torch.no_grad(), calibration_mode(ptq):
            for s, xc in enumerate(x_calib):
                ptq(xc)
        with torch.no_grad():
            ptq_logits = value_of(ptq(x_eval))
        for s, xc in enumerate(x_calib):
            case["inputs"][f"calib{s}"] = save(f"{name}.calib{s}.input", xc)
        case["outputs"]["ptq_logits"] = save(name + ".ptq.logits", ptq_logits)
        before, after = model.state_dict(), ptq.state_dict()
        if before.keys() == after.keys() and all(torch.equal(before[k], after[k]) for k in before):
            case["ptq_state_dict_note"] = "calibration_mode ran but changed no state (every scale is constant)"
        else:
            ptq_file, ptq_big, ptq_changed = store_changed_state(name + ".ptq_state", before, after, "calibration")
            case["ptq_changed_keys"] = ptq_changed
            if ptq_file:
                case["outputs"]["ptq_state"] = ptq_file
            if ptq_big:
                case["ptq_state_summaries"] = ptq_big
        case["ptq_note"] = ("calibration_mode over the calib inputs (statistics collected with quantization off), "
                            "then eval on the eval input")
    except Exception as e:
        traceback.print_exc()
        case["failures"]["calibration_mode"] = failure(e)
        LIMITATIONS.append({"case": name, "what": "PTQ with brevitas.graph.calibrate.calibration_mode",
                            "failure": failure(e)})
    model.eval()
    try_export(name, "qcdq", model, x_eval, case)
    try_export(name, "qonnx", model, x_eval, case)
    case["stats_spread"] = statistics_spread(name, x_stats, stats_logits, stats_after, stats_changed, scale_by_fan_in)
    add_case(case)
    return model, x_eval


SPREAD_RUNS = [("native", None), ("oneDNN, start moved by <= 1 ulp (seed 1)", 1),
               ("native, start moved by <= 1 ulp (seed 1)", 1), ("oneDNN, start moved by <= 1 ulp (seed 2)", 2),
               ("native, start moved by <= 1 ulp (seed 2)", 2)]


def statistics_spread(name, x_stats, ref_logits, ref_after, stats_changed, scale_by_fan_in):
    """Brevitas against Brevitas on the statistics steps, as `backend_spread` of ../brevitas/ qat_steps: five more
    runs of the same model from the same recipe, with PyTorch's native (im2col) convolution instead of oneDNN
    (torch.backends.mkldnn off) and, with both backends, from the recipe's tensors each moved by -1, 0 or +1 ulp at
    random (two seeds). Returns, per statistics step, the largest distance of those runs' logits from the reference
    run's, and per tensor the statistics steps change, the largest distance of its value after them."""
    logits_max = [0.0] * len(x_stats)
    state_max = {k: 0.0 for k in stats_changed}
    per_run = []
    for what, seed in SPREAD_RUNS:
        torch.manual_seed(0)
        model, _ = model_with_cfg(name, False)
        apply_weight_recipe(model, scale_by_fan_in)
        if seed is not None:
            rng = np.random.RandomState(seed)
            with torch.no_grad():
                for key, t in model.state_dict().items():
                    if not t.dtype.is_floating_point or recipe_kind(key, list(t.shape)) is None:
                        continue
                    step = torch.from_numpy(rng.randint(-1, 2, size=tuple(t.shape)).astype(np.float32))
                    up, down = torch.nextafter(t, t + 1), torch.nextafter(t, t - 1)
                    t.copy_(torch.where(step > 0, up, torch.where(step < 0, down, t)))
        model.train()
        for m in model.modules():
            if isinstance(m, nn.Dropout):
                m.eval()
        native = what.startswith("native")
        run_logits = []
        with torch.no_grad(), torch.backends.mkldnn.flags(enabled=not native):
            for s, xs in enumerate(x_stats):
                d = (value_of(model(xs)) - ref_logits[s]).abs().max().item()
                run_logits.append(d)
                logits_max[s] = max(logits_max[s], d)
        after = model.state_dict()
        for k in stats_changed:
            state_max[k] = max(state_max[k], (after[k].float() - ref_after[k].float()).abs().max().item())
        per_run.append({"run": what, "logits_max_abs": run_logits})
        print(f"  spread {what}: logits {run_logits}", flush=True)
    return {"procedure": "the statistics steps again from the same recipe and inputs, five runs: " +
                         "; ".join(w for w, _ in SPREAD_RUNS) + " (native = torch.backends.mkldnn disabled, "
                         "PyTorch's im2col convolution). Largest absolute distance from the reference run (oneDNN, "
                         "exact recipe)",
            "runs": per_run, "logits_max_abs": logits_max, "state_max_abs": state_max}


def resnet_round_pool_export(model, x_eval):
    """resnet18_4w4a's final TruncAvgPool2d floors (TruncTo8bit), which QCDQ cannot express. The same network
    built with round_average_pool=True (ROUND instead of FLOOR, no other change, same state dict) is what Brevitas
    can export; its logits are referenced with the files."""
    from brevitas_examples.bnn_pynq.models.resnet import QuantBasicBlock, QuantResNet
    name = "resnet18_4w4a_round_pool"
    torch.manual_seed(0)
    variant = QuantResNet(block_impl=QuantBasicBlock, num_blocks=[2, 2, 2, 2], num_classes=10, weight_bit_width=4,
                          act_bit_width=4, round_average_pool=True)
    variant.load_state_dict(model.state_dict(), strict=True)
    variant.eval()
    with torch.no_grad():
        logits = value_of(variant(x_eval))
    case = {"name": name, "kind": "model_export", "model": "QuantResNet(QuantBasicBlock, [2, 2, 2, 2], num_classes=10, "
            "weight_bit_width=4, act_bit_width=4, round_average_pool=True)",
            "state_dict_from": "resnet18_4w4a after its statistics steps (recipe weights, resnet18_4w4a.weights."
                               "manifest.json, and resnet18_4w4a.stats_state.safetensors; strict load)",
            "inputs": {"eval": "resnet18_4w4a.eval.input.npy"},
            "outputs": {"eval_logits": save(name + ".eval.logits", logits)}, "failures": {}}
    try_export(name, "qcdq", variant, x_eval, case)
    try_export(name, "qonnx", variant, x_eval, case)
    add_case(case)


def probe_other_zoo_models():
    """The other bnn_pynq models: whether calibration_mode and the two exports run (no files kept)."""
    import tempfile
    from brevitas.export import export_onnx_qcdq, export_qonnx
    from brevitas.graph.calibrate import calibration_mode
    for name in ["tfc_1w2a", "sfc_1w1a", "sfc_1w2a", "sfc_2w2a", "lfc_1w1a", "lfc_1w2a", "cnv_1w1a", "cnv_1w2a"]:
        torch.manual_seed(0)
        model, _ = model_with_cfg(name, False)
        shape = (2, 3, 32, 32) if name.startswith("cnv") else (2, 1, 28, 28)
        x = images(shape)
        outcome = {}
        m = copy.deepcopy(model).eval()
        try:
            with torch.no_grad(), calibration_mode(m):
                m(x)
            outcome["calibration_mode"] = "runs"
        except Exception as e:
            outcome["calibration_mode"] = failure(e)
        for kind, exporter in [("qcdq", export_onnx_qcdq), ("qonnx", export_qonnx)]:
            m = copy.deepcopy(model).eval()
            with tempfile.TemporaryDirectory() as tmp:
                try:
                    with torch.no_grad():
                        exporter(m, x, export_path=os.path.join(tmp, "m.onnx"))
                    outcome[kind + "_export"] = "runs"
                except Exception as e:
                    outcome[kind + "_export"] = failure(e)
        PROBES.append({"model": name, **outcome})
        print("probe", name, outcome, flush=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    quantizers()
    layers()
    zoo_model("tfc_1w1a", (1, 28, 28))
    zoo_model("tfc_2w2a", (1, 28, 28))
    zoo_model("cnv_2w2a", (3, 32, 32))
    resnet, resnet_input = zoo_model("resnet18_4w4a", (3, 32, 32), batch=2, scale_by_fan_in=True)
    resnet_round_pool_export(resnet, resnet_input)
    probe_other_zoo_models()
    import onnx
    index = {"generator": f"brevitas 0.11.0 (tag v0.11.0), torch {torch.__version__}, onnx {onnx.__version__}, "
                          f"numpy {np.__version__}",
             "script": "benchmarks/reference/make_zoo_reference.py", "seed": 0, "device": "cpu", "dtype": "float32",
             "cases": CASES, "limitations": LIMITATIONS, "zoo_probe": PROBES}
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
