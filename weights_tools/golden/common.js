'use strict';
// Shared helpers for make_golden.js and bench/tfjs_bench.js:
// tfjs setup (wasm backend, offline), face-api loading, graph-model loading from NAME.json + NAME.bin,
// JPEG decoding, .npy / .png writing.

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const Module = require('module');

const GOLDEN_DIR = __dirname;
const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PKG_DIR = path.join(REPO_ROOT, '.cache', 'packages');
const FACEAPI_PKG = path.join(PKG_DIR, 'face-api', 'package');
const FACEAPI_MODEL_DIR = path.join(FACEAPI_PKG, 'model');
const FACEAPI_DEMO_DIR = path.join(FACEAPI_PKG, 'demo');
const HUMAN_MODEL_DIR = path.join(PKG_DIR, 'human-models', 'package', 'models');
const WASM_DIST = path.join(GOLDEN_DIR, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const jpeg = require('jpeg-js');

// Initialise tfjs. threads: undefined = backend default, N = setThreadsCount(N) (must precede setBackend).
// Falls back to the pure-JS cpu backend if wasm cannot start. Returns the backend name actually used.
async function initTf({ threads, backend = 'wasm' } = {}) {
  if (backend === 'wasm') {
    wasm.setWasmPaths(WASM_DIST + path.sep, false); // usePlatformFetch=false: emscripten reads the file with fs // file path; .wasm ships inside the npm package
    if (threads) wasm.setThreadsCount(threads);
    try {
      const ok = await tf.setBackend('wasm');
      if (!ok) throw new Error('setBackend(wasm) returned false');
      await tf.ready();
    } catch (e) {
      console.error(`wasm backend failed (${e.message}); falling back to cpu`);
      await tf.setBackend('cpu');
      await tf.ready();
    }
  } else {
    await tf.setBackend(backend);
    await tf.ready();
  }
  return tf.getBackend();
}

// face-api's node-wasm bundle does require('@tensorflow/tfjs') and require('@tensorflow/tfjs-backend-wasm').
// It lives in .cache/packages/face-api/package/dist, where those do not resolve; redirect them to our
// node_modules so face-api shares this very tfjs instance (same engine, same backend, same tensors).
let faceapi = null;
function loadFaceApi() {
  if (faceapi) return faceapi;
  const redirect = {};
  for (const r of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']) redirect[r] = require.resolve(r);
  const origResolve = Module._resolveFilename;
  Module._resolveFilename = function resolve(request, parent, ...rest) {
    if (redirect[request]) return redirect[request];
    return origResolve.call(this, request, parent, ...rest);
  };
  try {
    faceapi = require(path.join(FACEAPI_PKG, 'dist', 'face-api.node-wasm.js'));
  } finally {
    Module._resolveFilename = origResolve;
  }
  if (faceapi.tf && faceapi.tf.engine && faceapi.tf.engine() !== tf.engine()) throw new Error('face-api uses a different tfjs instance');
  return faceapi;
}

// Load a human-models graph model (NAME.json + NAME.bin) through a custom IO handler (no fetch / fs URL).
async function loadGraphModel(name) {
  const json = JSON.parse(fs.readFileSync(path.join(HUMAN_MODEL_DIR, `${name}.json`), 'utf8'));
  const weightSpecs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(HUMAN_MODEL_DIR, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs,
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  };
  return tf.loadGraphModel(handler);
}

// Decode a JPEG to a float32 RGB 0..255 tf tensor [H, W, 3].
function readJpeg(file) {
  const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 });
  const { width, height, data } = img;
  const f = new Float32Array(width * height * 3);
  if (data.length === width * height * 3) {
    for (let i = 0; i < f.length; i++) f[i] = data[i];
  } else { // RGBA
    for (let i = 0, j = 0; i < width * height; i++) { f[j++] = data[4 * i]; f[j++] = data[4 * i + 1]; f[j++] = data[4 * i + 2]; }
  }
  return tf.tensor3d(f, [height, width, 3], 'float32');
}

// numpy .npy v1.0, little-endian float32, C order.
function npyBuffer(data, shape) {
  const f32 = data instanceof Float32Array ? data : Float32Array.from(data);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const hdr = Buffer.alloc(10);
  hdr.write('\x93NUMPY', 0, 'latin1');
  hdr[6] = 1; hdr[7] = 0;
  hdr.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(f32.length * 4);
  for (let i = 0; i < f32.length; i++) body.writeFloatLE(f32[i], i * 4);
  return Buffer.concat([hdr, Buffer.from(header, 'latin1'), body]);
}

async function writeNpy(file, tensor) {
  const data = await tensor.data();
  fs.writeFileSync(file, npyBuffer(data, tensor.shape));
}

// Minimal RGB PNG writer (for eyeballing crops). data: float 0..255 (or 0..1 with scale=255), [H, W, 3].
function writePng(file, data, width, height, scale = 1) {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 3 + 1)] = 0;
    for (let x = 0; x < width * 3; x++) raw[y * (width * 3 + 1) + 1 + x] = Math.max(0, Math.min(255, Math.round(data[y * width * 3 + x] * scale)));
  }
  const crcTable = [];
  for (let n = 0; n < 256; n++) { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; crcTable[n] = c >>> 0; }
  const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, body) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(tb));
    return Buffer.concat([len, tb, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  fs.writeFileSync(file, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}

module.exports = {
  tf, wasm, initTf, loadFaceApi, loadGraphModel, readJpeg, npyBuffer, writeNpy, writePng,
  REPO_ROOT, FACEAPI_MODEL_DIR, FACEAPI_DEMO_DIR, HUMAN_MODEL_DIR, GOLDEN_DIR,
};
