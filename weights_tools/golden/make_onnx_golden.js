#!/usr/bin/env node
'use strict';
// Golden outputs for the ONNX models, from the reference runtime onnxruntime-node (CPU), in
// make_golden.js's format: tests/golden/<name>/{in0.npy (NHWC, what lfr takes), out*.npy, meta.json}.
//
//   cd weights_tools/golden && npm ci --ignore-scripts && node make_onnx_golden.js
//
// (--ignore-scripts: onnxruntime-node's install script only fetches CUDA binaries; the CPU ones ship
// in the package.) Only needed to remake goldens; lfr never needs it to build or run.

const fs = require('fs');
const path = require('path');
const jpeg = require('jpeg-js');
const ort = require('onnxruntime-node');
const c = require('./common');

const FACEPLUGIN_MODEL_DIR = path.join(c.REPO_ROOT, '.cache', 'packages', 'faceplugin', 'package', 'model');
const IMAGE = 'sample3.jpg';

// RGB bytes of a JPEG: { width, height, data: [H*W*3] }.
function readRgb(file) {
  const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 });
  return img;
}

// Bilinear resize with OpenCV's INTER_LINEAR geometry (half-pixel centres, edges clamped), rounded
// to bytes as cv.resize does on 8-bit images.
function resizeBilinear({ width, height, data }, ow, oh) {
  const out = new Uint8Array(ow * oh * 3);
  const sx = width / ow; const sy = height / oh;
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy); const y1 = Math.min(y0 + 1, height - 1); const wy = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx); const x1 = Math.min(x0 + 1, width - 1); const wx = fx - x0;
      for (let k = 0; k < 3; k++) {
        const p = (yy, xx) => data[(yy * width + xx) * 3 + k];
        const v = (1 - wy) * ((1 - wx) * p(y0, x0) + wx * p(y0, x1)) + wy * ((1 - wx) * p(y1, x0) + wx * p(y1, x1));
        out[(y * ow + x) * 3 + k] = Math.round(v);
      }
    }
  }
  return out;
}

async function ultralight() {
  const W = 320; const H = 240;
  const rgb = resizeBilinear(readRgb(path.join(c.FACEAPI_DEMO_DIR, IMAGE)), W, H);
  // faceplugin's fr_detect.js: cv.imread gives RGBA and cvtColor(BGR2RGB) swaps R and B, so the
  // network sees BGR, then (v - 127) / 128, NCHW.
  const nhwc = new Float32Array(H * W * 3); const nchw = new Float32Array(H * W * 3);
  for (let p = 0; p < H * W; p++) {
    for (let k = 0; k < 3; k++) {
      const v = (rgb[p * 3 + (2 - k)] - 127) / 128;
      nhwc[p * 3 + k] = v;
      nchw[k * H * W + p] = v;
    }
  }
  const file = path.join(FACEPLUGIN_MODEL_DIR, 'fr_detect.onnx');
  const session = await ort.InferenceSession.create(file, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const res = await session.run({ input: new ort.Tensor('float32', nchw, [1, 3, H, W]) });
  const outputs = ['scores', 'boxes'].map((name) => ({ name, tensor: res[name] }));
  return {
    name: 'ultralight',
    model: 'ultralight',
    source: 'faceplugin-face-recognition-js@0.0.1 model/fr_detect.onnx (Linzaer Ultra-Light-Fast-Generic-Face-Detector-1MB RFB-320, MIT)',
    input: { data: nhwc, shape: [1, H, W, 3] },
    inputName: 'input (ONNX NCHW [1,3,240,320]; lfr takes it NHWC)',
    outputs,
    notes: `${IMAGE} resized to ${W}x${H} (bilinear, OpenCV geometry, whole photo, aspect not kept), BGR as faceplugin's fr_detect.js, (v - 127) / 128`,
  };
}

async function main() {
  const cases = [await ultralight()];
  for (const cs of cases) {
    const dir = path.join(c.REPO_ROOT, 'tests', 'golden', cs.name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'in0.npy'), c.npyBuffer(cs.input.data, cs.input.shape));
    const meta = {
      model: cs.model,
      source: cs.source,
      input_shape: cs.input.shape,
      input_name: cs.inputName,
      outputs: [],
      backend: `onnxruntime-node ${require('onnxruntime-node/package.json').version} (cpu, 1 thread)`,
      image: IMAGE,
      crop: null,
      preprocessing: cs.notes,
    };
    for (const [i, o] of cs.outputs.entries()) {
      meta.outputs.push({ name: o.name, shape: o.tensor.dims });
      fs.writeFileSync(path.join(dir, `out${i}.npy`), c.npyBuffer(o.tensor.data, o.tensor.dims));
      let max = -Infinity;
      for (const v of o.tensor.data) max = Math.max(max, v);
      console.log(`${cs.name} out${i} ${o.name} ${JSON.stringify(o.tensor.dims)} max ${max.toPrecision(5)}`);
    }
    fs.writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
