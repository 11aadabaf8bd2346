#!/usr/bin/env python3
"""Writes fuzz/corpus/fuzz_onnx/small_cnn.onnx: a small NCHW model in plain protobuf wire format (no
onnx package needed): dilated Conv -> BatchNormalization -> PRelu -> MaxPool -> GlobalAveragePool ->
Flatten -> Gemm -> Softmax, opset 9. The importer's fuzz seed."""
import os
import struct


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    if wire == 5:
        return key + struct.pack("<f", payload)
    return key + varint(len(payload)) + payload


def s(num, text):
    return field(num, 2, text.encode() if isinstance(text, str) else text)


def attr_ints(name, values):  # AttributeProto: name 1, ints 8, type 20 (INTS = 7)
    return s(1, name) + b"".join(field(8, 0, v) for v in values) + field(20, 0, 7)


def attr_int(name, value):  # i 3, type INT = 2
    return s(1, name) + field(3, 0, value) + field(20, 0, 2)


def node(op, inputs, outputs, attrs=()):
    return (b"".join(s(1, i) for i in inputs) + b"".join(s(2, o) for o in outputs) + s(3, op + "_" + outputs[0])
            + s(4, op) + b"".join(s(5, a) for a in attrs))


def tensor(name, dims, values):  # TensorProto: dims 1, data_type 2 (FLOAT = 1), name 8, raw_data 9
    return (b"".join(field(1, 0, d) for d in dims) + field(2, 0, 1) + s(8, name)
            + s(9, struct.pack("<%df" % len(values), *values)))


def value_info(name, dims):  # ValueInfoProto: name 1, type 2 { tensor_type 1 { elem_type 1, shape 2 { dim 1 { dim_value 1 }}}}
    shape = b"".join(s(1, field(1, 0, d)) for d in dims)
    return s(1, name) + s(2, s(1, field(1, 0, 1) + s(2, shape)))


def seq(n, scale=0.1):
    return [((i * 37) % 29 - 14) * scale / 14 for i in range(n)]


C, K, H, W, CLASSES = 3, 4, 12, 10, 2
nodes = [
    node("Conv", ["x", "w", "b"], ["c"], [attr_ints("dilations", [2, 2]), attr_ints("pads", [2, 2, 2, 2]),
                                          attr_ints("kernel_shape", [3, 3]), attr_ints("strides", [1, 1])]),
    node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["n"]),
    node("PRelu", ["n", "alpha"], ["p"]),
    node("MaxPool", ["p"], ["m"], [attr_ints("kernel_shape", [2, 2]), attr_ints("strides", [2, 2])]),
    node("GlobalAveragePool", ["m"], ["gap"]),
    node("Flatten", ["gap"], ["f"], [attr_int("axis", 1)]),
    node("Gemm", ["f", "fc", "fcb"], ["logits"], [attr_int("transB", 1)]),
    node("Softmax", ["logits"], ["y"], [attr_int("axis", 1)]),
]
inits = [tensor("w", [K, C, 3, 3], seq(K * C * 9)), tensor("b", [K], seq(K)), tensor("g", [K], [1.0, 0.9, 1.1, 1.2]),
         tensor("beta", [K], seq(K)), tensor("mean", [K], seq(K, 0.01)), tensor("var", [K], [0.5, 1.0, 1.5, 2.0]),
         tensor("alpha", [K, 1, 1], [0.25] * K), tensor("fc", [CLASSES, K], seq(CLASSES * K)),
         tensor("fcb", [CLASSES], [0.0, 0.1])]
graph = (b"".join(s(1, n) for n in nodes) + s(2, "small_cnn") + b"".join(s(5, t) for t in inits)
         + s(11, value_info("x", [1, C, H, W])) + s(12, value_info("y", [1, CLASSES])))
model = field(1, 0, 7) + s(8, s(1, "") + field(2, 0, 9)) + s(7, graph)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_onnx", "small_cnn.onnx")
with open(out, "wb") as f:
    f.write(model)
print(out, len(model), "bytes")
