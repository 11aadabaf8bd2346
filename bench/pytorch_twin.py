#!/usr/bin/env python3
"""PyTorch twin of an lfr model, for GPU comparisons: reads a .lfr file and times the same graph in
PyTorch (eager and torch.compile) on CUDA, or checks it against a golden output.

    python3 bench/pytorch_twin.py models/face_recognition_model.lfr
    python3 bench/pytorch_twin.py lefv.lfr --batches 1,64,256       # bench_lefv --export-lefv lefv.lfr
    python3 bench/pytorch_twin.py MODEL.lfr --check IN.npy OUT.npy   # IN: NHWC float32, OUT: output 0

The .lfr byte layout is the one documented at the top of include/lfr/format/model_file.h (parsed
here with struct; numpy for the weight blobs). The graph runs node by node, as lfr's executor does,
with each lfr op mapped to torch functions:

  Conv2D, DepthwiseConv2D   TF SAME / VALID / explicit padding, bias, fused act (incl. Prelu)
  MatMul                    x flattened in NHWC order, bias, fused act
  Add Sub Mul Div Maximum Minimum Prelu   numpy broadcasting in NHWC terms, fused act
  Relu Relu6 LeakyRelu Sigmoid Tanh Abs Square Sqrt Rsqrt Exp Neg Softmax
  MaxPool AvgPool           TF padding (padded cells never win a max / are not counted in an average)
  Mean Sum Max, Pad, Concat, Reshape, Transpose, StridedSlice, DepthToSpace, ResizeBilinear (not the
  legacy TF mode), MultiScaleFusion (max-pool to the target size, concat, 1x1 conv, bias, act)

Layout: lfr tensors are NHWC. Here 4-d activations are kept as NCHW views with channels-last memory
(a permute of the NHWC input, no copy), which is what cuDNN prefers; ops with axis arguments map
their axes, and ops that are layout-sensitive in ways not worth mapping (Reshape, Transpose, ...)
go back to NHWC first. Outputs are returned NHWC, as lfr returns them.

TF32 is off unless --tf32 (lfr's kernels are plain fp32). Needs torch (and numpy); the file only has
to compile where torch is absent.
"""
import argparse
import math
import statistics
import struct
import sys
import time
import zlib

# OpType in include/lfr/graph/graph.h, in enum order (append-only there, so append-only here).
OPS = [
    "Conv2D", "DepthwiseConv2D", "MatMul", "Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Prelu",
    "Relu", "Relu6", "LeakyRelu", "Sigmoid", "Tanh", "Abs", "Square", "Sqrt", "Rsqrt", "Exp", "Neg",
    "Softmax", "MaxPool", "AvgPool", "Mean", "Sum", "Max", "Pad", "Concat", "Reshape", "StridedSlice",
    "ResizeBilinear", "DepthToSpace", "Transpose", "MultiScaleFusion",
]
PAD_VALID, PAD_SAME, PAD_EXPLICIT = 0, 1, 2
ACT_NONE, ACT_RELU, ACT_RELU6, ACT_LEAKY, ACT_PRELU, ACT_SIGMOID = 0, 1, 2, 3, 4, 5
KIND_INPUT, KIND_WEIGHT, KIND_VALUE = 0, 1, 2
MODEL_VERSION = 1
HEADER_SIZE = 64


class LfrFormatError(Exception):
    pass


# --- The .lfr reader -----------------------------------------------------------------------------

class _Reader:
    def __init__(self, buf, pos, end):
        self.buf, self.pos, self.end = buf, pos, end

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > self.end:
            raise LfrFormatError("graph section truncated at byte %d" % self.pos)
        v = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return v

    def one(self, fmt):
        return self.take("<" + fmt)[0]

    def string(self):
        n = self.one("I")
        if self.pos + n > self.end:
            raise LfrFormatError("string past the end of the graph section")
        s = bytes(self.buf[self.pos:self.pos + n]).decode("utf-8")
        self.pos += n
        return s

    def ids(self):
        n = self.one("I")
        return list(self.take("<%di" % n)) if n else []


class Tensor:
    def __init__(self, name, kind, shape, blob_offset):
        self.name, self.kind, self.shape, self.blob_offset = name, kind, shape, blob_offset


class Node:
    def __init__(self, op, name, inputs, outputs, attrs):
        self.op, self.name, self.inputs, self.outputs, self.attrs = op, name, inputs, outputs, attrs


def load_lfr(path):
    """Returns (tensors, nodes, graph_inputs, graph_outputs, weights: {tensor id: numpy array})."""
    import numpy as np

    with open(path, "rb") as f:
        data = f.read()
    if len(data) < HEADER_SIZE or data[:8] != b"LFRMODEL":
        raise LfrFormatError("%s: not an lfr model (bad magic)" % path)
    (version, header_size, file_size, g_off, g_size, b_off, b_size, crc, _reserved) = struct.unpack_from(
        "<IIQQQQQII", data, 8)
    if version > MODEL_VERSION:
        raise LfrFormatError("%s: version %d is newer than this script (%d)" % (path, version, MODEL_VERSION))
    if header_size != HEADER_SIZE or file_size != len(data):
        raise LfrFormatError("%s: corrupt header or truncated file" % path)
    if g_off + g_size > len(data) or b_off + b_size > len(data) or b_off % 64:
        raise LfrFormatError("%s: section out of range" % path)
    if zlib.crc32(data[HEADER_SIZE:]) & 0xFFFFFFFF != crc:
        raise LfrFormatError("%s: checksum mismatch" % path)

    r = _Reader(data, g_off, g_off + g_size)
    tensors = []
    for _ in range(r.one("I")):
        name = r.string()
        kind = r.one("B")
        rank = r.one("B")
        shape = list(r.take("<%dq" % rank)) if rank else []
        tensors.append(Tensor(name, kind, shape, r.one("Q")))
    nodes = []
    for _ in range(r.one("I")):
        op = r.one("H")
        if op >= len(OPS):
            raise LfrFormatError("%s: unknown op %d (newer converter?)" % (path, op))
        name = r.string()
        inputs, outputs = r.ids(), r.ids()
        a = {}
        a["kernel_h"], a["kernel_w"], a["stride_h"], a["stride_w"] = r.take("<4i")
        a["padding"] = r.one("B")
        a["pad_top"], a["pad_bottom"], a["pad_left"], a["pad_right"] = r.take("<4i")
        a["act"] = r.one("B")
        a["alpha"] = r.one("f")
        a["axis"] = r.one("i")
        a["keep_dims"] = bool(r.one("B"))
        a["value"] = r.one("f")
        a["flags"] = r.one("i")
        a["ints"] = r.ids()
        nodes.append(Node(OPS[op], name, inputs, outputs, a))
    g_inputs, g_outputs = r.ids(), r.ids()

    weights = {}
    for i, t in enumerate(tensors):
        if t.kind != KIND_WEIGHT:
            continue
        n = int(math.prod(t.shape)) if t.shape else 1
        if t.blob_offset + 4 * n > b_size:
            raise LfrFormatError("%s: weight %s lies past the blob section" % (path, t.name))
        weights[i] = np.frombuffer(data, dtype="<f4", count=n, offset=b_off + t.blob_offset).reshape(t.shape).copy()
    return tensors, nodes, g_inputs, g_outputs, weights


# --- Geometry, as include/lfr/ops/window.h -------------------------------------------------------

def window_pads(size, k, s, padding, before=0, after=0):
    """(pad_before, pad_after, out) for TF VALID / SAME or explicit pads."""
    if padding == PAD_VALID:
        return 0, 0, (size - k) // s + 1
    if padding == PAD_SAME:
        out = (size + s - 1) // s
        total = max((out - 1) * s + k - size, 0)
        return total // 2, total - total // 2, out  # TF puts the odd cell after
    return before, after, (size + before + after - k) // s + 1


NHWC_TO_NCHW_AXIS = [0, 2, 3, 1]  # where NHWC axis d lives in an NCHW tensor


# --- The module ------------------------------------------------------------------------------------

def build_module(path):
    import torch
    import torch.nn.functional as F

    tensors, nodes, g_inputs, g_outputs, weights = load_lfr(path)

    class Val:
        """A value: a torch tensor plus whether it is a 4-d NCHW view of an NHWC lfr tensor."""
        __slots__ = ("t", "nchw")

        def __init__(self, t, nchw):
            self.t, self.nchw = t, nchw

        def as_nhwc(self):
            return self.t.permute(0, 2, 3, 1) if self.nchw else self.t

        def as_nchw(self):
            if self.nchw:
                return self.t
            if self.t.dim() != 4:
                raise ValueError("expected a 4-d tensor, got %s" % (tuple(self.t.shape),))
            return self.t.permute(0, 3, 1, 2)

    def nchw_broadcastable(v):
        """A tensor that broadcasts against NCHW values as v broadcasts against NHWC ones."""
        if v.nchw:
            return v.t
        t = v.t
        if t.dim() > 4:
            raise ValueError("rank > 4 operand in a 4-d broadcast")
        t = t.reshape((1,) * (4 - t.dim()) + tuple(t.shape))
        return t.permute(0, 3, 1, 2)

    def activate(y, act, alpha, prelu=None, channel_dim=1):
        if act == ACT_NONE:
            return y
        if act == ACT_RELU:
            return F.relu(y)
        if act == ACT_RELU6:
            return torch.clamp(y, 0.0, 6.0)
        if act == ACT_LEAKY:
            return F.leaky_relu(y, alpha)
        if act == ACT_SIGMOID:
            return torch.sigmoid(y)
        if act == ACT_PRELU:
            shape = [1] * y.dim()
            shape[channel_dim] = -1
            return torch.where(y > 0, y, prelu.reshape(shape) * y)
        raise NotImplementedError("activation %d" % act)

    class LfrTwin(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.nodes = nodes
            self.g_inputs, self.g_outputs = g_inputs, g_outputs
            self.input_shapes = [tensors[i].shape for i in g_inputs]
            self.names = {}  # (node index, input slot) -> buffer name of the torch-layout weight
            for ni, n in enumerate(nodes):
                for slot, tid in enumerate(n.inputs):
                    if tid < 0 or tid not in weights:
                        continue
                    w = torch.from_numpy(weights[tid])
                    if n.op == "Conv2D" and slot == 1:
                        w = w.permute(3, 2, 0, 1)  # HWIO -> OIHW
                    elif n.op == "DepthwiseConv2D" and slot == 1:
                        kh, kw, c, m = w.shape  # output channel c*M + m, as a grouped conv
                        w = w.permute(2, 3, 0, 1).reshape(c * m, 1, kh, kw)
                    elif n.op == "MultiScaleFusion" and slot == len(n.inputs) - 2:
                        w = w.t().reshape(w.shape[1], w.shape[0], 1, 1)  # [Cs, Co] -> [Co, Cs, 1, 1]
                    name = "w%d_%d" % (ni, slot)
                    self.register_buffer(name, w.contiguous())
                    self.names[(ni, slot)] = name
            # Values produced by a node, and weights fed to ops that take them as plain operands.
            self.weight_ids = sorted(weights)

        def weight(self, ni, slot):
            name = self.names.get((ni, slot))
            return None if name is None else getattr(self, name)

        def forward(self, *inputs):
            env = {}
            for tid, x in zip(self.g_inputs, inputs):
                env[tid] = Val(x.permute(0, 3, 1, 2), True) if x.dim() == 4 else Val(x, False)
            for ni, n in enumerate(self.nodes):
                ins = []
                for slot, tid in enumerate(n.inputs):
                    if tid < 0:
                        ins.append(None)
                    elif tid in env:
                        ins.append(env[tid])
                    else:
                        ins.append(Val(self.weight(ni, slot), False))
                env[n.outputs[0]] = self.run_node(ni, n, ins)
            return tuple(env[t].as_nhwc().contiguous() for t in self.g_outputs)

        def run_node(self, ni, n, ins):
            a, op = n.attrs, n.op
            opt = lambda i: ins[i].t if i < len(ins) and ins[i] is not None else None  # noqa: E731

            if op in ("Conv2D", "DepthwiseConv2D"):
                x = ins[0].as_nchw()
                w = ins[1].t
                kh, kw = w.shape[2], w.shape[3]
                pt, pb, _ = window_pads(x.shape[2], kh, a["stride_h"], a["padding"], a["pad_top"], a["pad_bottom"])
                pl, pr, _ = window_pads(x.shape[3], kw, a["stride_w"], a["padding"], a["pad_left"], a["pad_right"])
                groups = x.shape[1] if op == "DepthwiseConv2D" else 1
                if pt == pb and pl == pr:
                    y = F.conv2d(x, w, opt(2), (a["stride_h"], a["stride_w"]), (pt, pl), 1, groups)
                else:
                    y = F.conv2d(F.pad(x, (pl, pr, pt, pb)), w, opt(2), (a["stride_h"], a["stride_w"]), 0, 1, groups)
                return Val(activate(y, a["act"], a["alpha"], opt(3)), True)

            if op == "MatMul":
                x = ins[0].as_nhwc()
                y = x.reshape(x.shape[0], -1) @ ins[1].t
                if opt(2) is not None:
                    y = y + opt(2)
                return Val(activate(y, a["act"], a["alpha"], opt(3)), False)

            if op in ("Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Prelu"):
                x, z = ins[0], ins[1]
                four = (x.nchw or z.nchw) and x.t.dim() <= 4 and z.t.dim() <= 4
                if four:
                    p, q, nchw = nchw_broadcastable(x), nchw_broadcastable(z), True
                else:
                    p, q, nchw = x.as_nhwc(), z.as_nhwc(), False
                if op == "Add":
                    y = p + q
                elif op == "Sub":
                    y = p - q
                elif op == "Mul":
                    y = p * q
                elif op == "Div":
                    y = p / q
                elif op == "Maximum":
                    y = torch.maximum(p, q)
                elif op == "Minimum":
                    y = torch.minimum(p, q)
                else:
                    y = torch.where(p > 0, p, q * p)
                if a["act"] == ACT_PRELU:
                    raise NotImplementedError("%s: Prelu act on a binary op" % n.name)
                return Val(activate(y, a["act"], a["alpha"]), nchw)

            unary = {
                "Relu": F.relu, "Relu6": lambda t: torch.clamp(t, 0.0, 6.0),
                "LeakyRelu": lambda t: F.leaky_relu(t, a["alpha"]), "Sigmoid": torch.sigmoid, "Tanh": torch.tanh,
                "Abs": torch.abs, "Square": lambda t: t * t, "Sqrt": torch.sqrt, "Rsqrt": torch.rsqrt,
                "Exp": torch.exp, "Neg": torch.neg,
            }
            if op in unary:
                return Val(unary[op](ins[0].t), ins[0].nchw)
            if op == "Softmax":
                return Val(torch.softmax(ins[0].t, dim=1 if ins[0].nchw else -1), ins[0].nchw)

            if op in ("MaxPool", "AvgPool"):
                x = ins[0].as_nchw()
                k, s = (a["kernel_h"], a["kernel_w"]), (a["stride_h"], a["stride_w"])
                pt, pb, _ = window_pads(x.shape[2], k[0], s[0], a["padding"], a["pad_top"], a["pad_bottom"])
                pl, pr, _ = window_pads(x.shape[3], k[1], s[1], a["padding"], a["pad_left"], a["pad_right"])
                padded = pt or pb or pl or pr
                if op == "MaxPool":
                    if padded:
                        x = F.pad(x, (pl, pr, pt, pb), value=-math.inf)
                    return Val(F.max_pool2d(x, k, s), True)
                if not padded:
                    return Val(F.avg_pool2d(x, k, s), True)
                # TF: divide by the number of real cells in each window.
                total = F.avg_pool2d(F.pad(x, (pl, pr, pt, pb)), k, s, divisor_override=1)
                ones = torch.ones((1, 1, x.shape[2], x.shape[3]), dtype=x.dtype, device=x.device)
                count = F.avg_pool2d(F.pad(ones, (pl, pr, pt, pb)), k, s, divisor_override=1)
                return Val(total / count, True)

            if op in ("Mean", "Sum", "Max"):
                axes, keep = list(a["ints"]), a["keep_dims"]
                v = ins[0]
                if v.nchw and (keep or {1, 2} <= set(axes)):
                    # Without keep_dims the kept dims are N and maybe C: same order in both layouts.
                    t, dims, nchw = v.t, [NHWC_TO_NCHW_AXIS[d] for d in axes], keep
                else:
                    t, dims, nchw = v.as_nhwc(), axes, False
                if not dims:
                    return Val(t, nchw)
                if op == "Mean":
                    y = t.mean(dim=dims, keepdim=keep)
                elif op == "Sum":
                    y = t.sum(dim=dims, keepdim=keep)
                else:
                    y = t.amax(dim=dims, keepdim=keep)
                return Val(y, nchw)

            if op == "Pad":
                v = ins[0]
                t, perm = (v.t, NHWC_TO_NCHW_AXIS_INV) if v.nchw else (v.t, list(range(v.t.dim())))
                p = a["ints"]
                pads = []
                for d in reversed(range(t.dim())):  # F.pad lists the last dim first
                    src = perm[d]
                    pads += [p[2 * src], p[2 * src + 1]]
                return Val(F.pad(t, pads, value=a["value"]), v.nchw)

            if op == "Concat":
                if all(v.nchw for v in ins):
                    return Val(torch.cat([v.t for v in ins], dim=NHWC_TO_NCHW_AXIS[a["axis"]]), True)
                return Val(torch.cat([v.as_nhwc() for v in ins], dim=a["axis"]), False)

            if op == "Reshape":
                return Val(ins[0].as_nhwc().reshape(list(a["ints"])), False)
            if op == "Transpose":
                return Val(ins[0].as_nhwc().permute(list(a["ints"])), False)

            if op == "StridedSlice":
                t = ins[0].as_nhwc()
                r = t.dim()
                b, e, st = a["ints"][:r], a["ints"][r:2 * r], a["ints"][2 * r:]
                for d in range(r):  # begin/end are resolved absolute indices (end -1: before 0)
                    if st[d] > 0:
                        t = t.narrow(d, b[d], max(e[d] - b[d], 0))[(slice(None),) * d + (slice(None, None, st[d]),)]
                    else:
                        idx = torch.arange(b[d], e[d], st[d], device=t.device)
                        t = t.index_select(d, idx)
                for d in reversed(range(r)):
                    if a["flags"] >> d & 1:
                        t = t.squeeze(d)
                return Val(t, False)

            if op == "DepthToSpace":
                t = ins[0].as_nhwc()
                bs = a["kernel_h"]
                nb, h, w, c = t.shape
                t = t.reshape(nb, h, w, bs, bs, c // (bs * bs)).permute(0, 1, 3, 2, 4, 5)
                return Val(t.reshape(nb, h * bs, w * bs, c // (bs * bs)), False)

            if op == "ResizeBilinear":
                flags = a["flags"]
                if not flags & 3:
                    raise NotImplementedError("%s: legacy TF bilinear resize (neither align_corners nor "
                                              "half_pixel_centers) has no torch equivalent" % n.name)
                y = F.interpolate(ins[0].as_nchw(), size=(a["ints"][0], a["ints"][1]), mode="bilinear",
                                  align_corners=bool(flags & 1))
                return Val(y, True)

            if op == "MultiScaleFusion":
                k = a["ints"][0]
                maps = [v.as_nchw() for v in ins[:k]]
                ho = a["kernel_h"] or maps[-1].shape[2]
                wo = a["kernel_w"] or maps[-1].shape[3]
                pooled = []
                for x in maps:
                    fh, fw = x.shape[2] // ho, x.shape[3] // wo
                    pooled.append(x if fh == 1 and fw == 1 else F.max_pool2d(x, (fh, fw)))
                y = F.conv2d(torch.cat(pooled, dim=1), ins[k].t, opt(k + 1))
                return Val(activate(y, a["act"], a["alpha"]), True)

            raise NotImplementedError("%s: op %s has no twin" % (n.name, op))

    return LfrTwin()


NHWC_TO_NCHW_AXIS_INV = [0, 3, 1, 2]  # NCHW dim d holds NHWC axis NHWC_TO_NCHW_AXIS_INV[d]


# --- Timing and checking -------------------------------------------------------------------------

def time_ms(fn, reps, warmup):
    import torch

    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def concrete_shape(shape, batch):
    return [batch if (i == 0 and d == -1) else d for i, d in enumerate(shape)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help=".lfr model file")
    ap.add_argument("--batches", default="1,64,256", help="comma-separated batch sizes (default 1,64,256)")
    ap.add_argument("--reps", type=int, default=50, help="timed runs per configuration (median reported)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--no-compile", action="store_true", help="eager only")
    ap.add_argument("--compile-mode", default=None, help="torch.compile mode (e.g. max-autotune)")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 in convolutions and matmuls")
    ap.add_argument("--device", default="cuda", help="cuda (timing) or cpu (--check only)")
    ap.add_argument("--check", nargs=2, metavar=("IN.npy", "OUT.npy"),
                    help="run IN (NHWC float32) and compare output 0 with OUT instead of timing")
    ap.add_argument("--tol", type=float, default=1e-4, help="--check: max |diff| / max(1, max |golden|)")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    torch.backends.cudnn.allow_tf32 = args.tf32
    dev = torch.device(args.device)
    module = build_module(args.model).to(dev).eval()

    if args.check:
        x = torch.from_numpy(np.load(args.check[0]).astype(np.float32)).to(dev)
        want = np.load(args.check[1]).astype(np.float32)
        with torch.inference_mode():
            got = module(x)[0].float().cpu().numpy()
        if got.shape != want.shape:
            print("FAIL: output shape %s, golden %s" % (got.shape, want.shape))
            return 1
        err = float(np.max(np.abs(got - want))) if got.size else 0.0
        rel = err / max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
        ok = rel <= args.tol
        print("%s: max |diff| %.3g, relative %.3g (tol %.1g)" % ("OK" if ok else "FAIL", err, rel, args.tol))
        return 0 if ok else 1

    if dev.type != "cuda":
        print("timing needs --device cuda", file=sys.stderr)
        return 2
    if len(module.input_shapes) != 1:
        print("timing supports single-input models", file=sys.stderr)
        return 2
    batches = [int(b) for b in args.batches.split(",") if b]
    print("%s on %s (torch %s, TF32 %s)" % (args.model, torch.cuda.get_device_name(dev), torch.__version__,
                                           "on" if args.tf32 else "off"))
    compiled = None
    if not args.no_compile:
        compiled = torch.compile(module, mode=args.compile_mode, dynamic=False)
    print("%6s %14s %12s %14s %12s" % ("batch", "eager ms", "faces/s", "compiled ms", "faces/s"))
    for b in batches:
        x = torch.randn(concrete_shape(module.input_shapes[0], b), device=dev)
        with torch.inference_mode():
            eager = time_ms(lambda: module(x), args.reps, args.warmup)
            comp = None
            if compiled is not None:
                t0 = time.perf_counter()
                compiled(x)  # compile for this shape outside the timing
                torch.cuda.synchronize()
                compile_s = time.perf_counter() - t0
                comp = time_ms(lambda: compiled(x), args.reps, args.warmup)
        line = "%6d %14.3f %12.0f" % (b, eager, 1000.0 * b / eager)
        if comp is not None:
            line += " %14.3f %12.0f   (compile %.1f s)" % (comp, 1000.0 * b / comp, compile_s)
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
