#!/usr/bin/env node
'use strict';
// Stage-by-stage PIPELINE goldens from the ORIGINAL JS, on whole photos:
//   1. face-api: detectAllFaces(TinyFaceDetector 416, 0.5).withFaceLandmarks().withFaceDescriptors()
//   2. Human 3.3.6 BlazeFace (blazeface-back) detection + decoding, transcribed from src/face/blazeface.ts
//   3. face-api (as 1) on the ORIGINAL demo JPEGs at full size, decoded with jpeg-js (the JPEG-path check:
//      lfr decodes the same files with its own decoder)
// Writes tests/golden/pipeline/: sampleN.png (THE input, 800 px wide, lossless RGB8), faceapi_sampleN.json,
// tiny_sampleN.npy, blazeface_sampleN.json, blazeface_sampleN.npy, faceapi_jpeg_sampleN.json, meta.json.
//
//   cd weights_tools/golden && node make_pipeline_golden.js [--images 1,5,6] [--jpegs 1,2,3,4,5,6] [--backend wasm|cpu] [--out DIR]
//
// The PNG pixels are what both references run on (decoded back from the written PNG, as float32 [H,W,3] 0..255).

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const c = require('./common');

const { tf } = c;

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const OUT_DIR = arg('--out') ? path.resolve(arg('--out')) : path.join(c.REPO_ROOT, 'tests', 'golden', 'pipeline');
const IMAGES = (arg('--images') || '1,5,6').split(',').map((s) => `sample${s.trim()}`);
const JPEGS = (arg('--jpegs') || '1,2,3,4,5,6').split(',').map((s) => `sample${s.trim()}`);
const TARGET_WIDTH = 800;

// face-api options
const TINY_INPUT_SIZE = 416;
const TINY_SCORE_THRESHOLD = 0.5;
// face-api SsdMobilenetv1Options defaults
const SSD_MIN_CONFIDENCE = 0.5;
const SSD_MAX_RESULTS = 100;
// Human config.face.detector defaults (src/config.ts 384-396) except maxDetected (default 1)
const HUMAN = { maxDetected: 20, minConfidence: 0.2, iouThreshold: 0.1, scale: 1.4, minSize: 0, square: false };

// ------------------------------------------------------------------------------------------------------------
// Input images: decode JPEG (jpeg-js), area-average downscale to 800 px wide, round to uint8.
// Area averaging = each output pixel is the mean of the input pixels it covers (fractional weights at the
// edges), separable: first along x, then along y. Done in float64, rounded once at the end.
function areaWeights(inSize, outSize) {
  const scale = inSize / outSize;
  const w = [];
  for (let o = 0; o < outSize; o++) {
    const a = o * scale; const b = (o + 1) * scale;
    const taps = [];
    for (let i = Math.floor(a); i < Math.min(inSize, Math.ceil(b)); i++) {
      const cov = Math.min(b, i + 1) - Math.max(a, i);
      if (cov > 0) taps.push([i, cov / scale]);
    }
    w.push(taps);
  }
  return w;
}

function downscale(rgb, W, H, outW) {
  const outH = Math.round(H * outW / W);
  const wx = areaWeights(W, outW); const wy = areaWeights(H, outH);
  const tmp = new Float64Array(H * outW * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < outW; x++) {
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (const [i, wt] of wx[x]) s += rgb[(y * W + i) * 3 + k] * wt;
        tmp[(y * outW + x) * 3 + k] = s;
      }
    }
  }
  const out = new Uint8Array(outH * outW * 3);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      for (let k = 0; k < 3; k++) {
        let s = 0;
        for (const [j, wt] of wy[y]) s += tmp[(j * outW + x) * 3 + k] * wt;
        out[(y * outW + x) * 3 + k] = Math.max(0, Math.min(255, Math.round(s)));
      }
    }
  }
  return { data: out, width: outW, height: outH };
}

function decodeJpegRgb(file) {
  const jpeg = require('jpeg-js');
  const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 });
  const { width, height, data } = img;
  if (data.length === width * height * 3) return { data, width, height };
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let k = 0; k < 3; k++) rgb[3 * i + k] = data[4 * i + k];
  return { data: rgb, width, height };
}

// ------------------------------------------------------------------------------------------------------------
// PNG (RGB 8-bit, no alpha, non-interlaced) with per-row adaptive filtering, zlib level 9; and a decoder for
// the same subset, used to read the written file back (the references run on the decoded pixels).
const paeth = (a, b, cc) => { const p = a + b - cc; const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - cc); return pa <= pb && pa <= pc ? a : (pb <= pc ? b : cc); };
const CRC_TABLE = (() => { const t = []; for (let n = 0; n < 256; n++) { let v = n; for (let k = 0; k < 8; k++) v = v & 1 ? 0xedb88320 ^ (v >>> 1) : v >>> 1; t[n] = v >>> 0; } return t; })();
const crc32 = (buf) => { let v = 0xffffffff; for (const b of buf) v = CRC_TABLE[(v ^ b) & 0xff] ^ (v >>> 8); return (v ^ 0xffffffff) >>> 0; };

function encodePng({ data, width, height }) {
  const bpp = 3; const stride = width * bpp;
  const raw = Buffer.alloc((stride + 1) * height);
  const line = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const cur = data.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? data.subarray((y - 1) * stride, y * stride) : null;
    let best = null; let bestSum = Infinity; let bestF = 0;
    for (let f = 0; f < 5; f++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? cur[i - bpp] : 0; const b = prev ? prev[i] : 0; const cc = prev && i >= bpp ? prev[i - bpp] : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? ((a + b) >> 1) : paeth(a, b, cc);
        const v = (cur[i] - pred) & 0xff;
        line[i] = v; sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) { bestSum = sum; bestF = f; best = Buffer.from(line); }
    }
    raw[y * (stride + 1)] = bestF;
    best.copy(raw, y * (stride + 1) + 1);
  }
  const chunk = (type, body) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(tb));
    return Buffer.concat([len, tb, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 2; // 8-bit, truecolour RGB
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function decodePng(buf) {
  let p = 8; let width = 0; let height = 0; const idat = [];
  while (p < buf.length) {
    const len = buf.readUInt32BE(p); const type = buf.toString('latin1', p + 4, p + 8); const body = buf.subarray(p + 8, p + 8 + len);
    if (crc32(buf.subarray(p + 4, p + 8 + len)) !== buf.readUInt32BE(p + 8 + len)) throw new Error(`PNG CRC error in ${type}`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[9] !== 2 || body[12] !== 0) throw new Error('decodePng: only RGB8 non-interlaced');
    } else if (type === 'IDAT') idat.push(body);
    p += 12 + len;
  }
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const bpp = 3; const stride = width * bpp; const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const v = raw[y * (stride + 1) + 1 + i];
      const a = i >= bpp ? out[y * stride + i - bpp] : 0; const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const cc = y > 0 && i >= bpp ? out[(y - 1) * stride + i - bpp] : 0;
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? ((a + b) >> 1) : paeth(a, b, cc);
      out[y * stride + i] = (v + pred) & 0xff;
    }
  }
  return { data: out, width, height };
}

// ------------------------------------------------------------------------------------------------------------
const r6 = (v) => Math.round(v * 1e6) / 1e6; // JSON: keep 1e-6 px (the values are float64 from float32 tensors)
const sig6 = (v) => Number(v.toPrecision(6)); // 6 significant digits (compact descriptors)
const r3 = (v) => Math.round(v * 1e3) / 1e3;
const boxXYXY = (b) => [b.x, b.y, b.x + b.width, b.y + b.height].map(r6);
const rectXYWH = (b) => [b.x, b.y, b.width, b.height].map(r6);
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const l2 = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));

// face-api reference on one image tensor [H, W, 3] float32 0..255
async function runFaceApi(fa, img, W, H, problems, tag) {
  const opts = new fa.TinyFaceDetectorOptions({ inputSize: TINY_INPUT_SIZE, scoreThreshold: TINY_SCORE_THRESHOLD });
  const results = await fa.detectAllFaces(img, opts).withFaceLandmarks().withFaceDescriptors();

  // raw tiny detector output on the same input (what detect() feeds to extractBoxes)
  const netInput = await fa.toNetInput(img);
  const tinyOut = fa.nets.tinyFaceDetector.forwardInput(netInput, TINY_INPUT_SIZE);
  const reshaped = netInput.getReshapedInputDimensions(0);
  const tinyData = await tinyOut.data();

  // self-check 1: decode the raw output as MODELS.md describes and find every face-api detection in it
  const n = tinyOut.shape[1]; const anchors = fa.nets.tinyFaceDetector.anchors;
  const corrX = Math.max(reshaped.width, reshaped.height) / reshaped.width;
  const corrY = Math.max(reshaped.width, reshaped.height) / reshaped.height;
  const cands = [];
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      for (let a = 0; a < anchors.length; a++) {
        const o = ((row * n + col) * anchors.length + a) * 5;
        const score = sigmoid(tinyData[o + 4]);
        if (score <= TINY_SCORE_THRESHOLD) continue;
        const cx = (col + sigmoid(tinyData[o])) / n * corrX; const cy = (row + sigmoid(tinyData[o + 1])) / n * corrY;
        const w = Math.exp(tinyData[o + 2]) * anchors[a].x / n * corrX; const h = Math.exp(tinyData[o + 3]) * anchors[a].y / n * corrY;
        cands.push({ score, row, col, anchor: a, box: [(cx - w / 2) * W, (cy - h / 2) * H, (cx + w / 2) * W, (cy + h / 2) * H] });
      }
    }
  }

  const faces = [];
  for (const [i, r] of results.entries()) {
    const det = r.detection;
    const box = boxXYXY(det.box);
    // landmark crop: extractFaceTensors(det.forSize(W, H).box.clipAtImageBorders(W, H)) (floored)
    const lmCrop = det.forSize(W, H).box.clipAtImageBorders(W, H);
    // raw landmark net output on that crop (runNet: [1,136] relative to the 112 input, before postProcess)
    const [cropT] = await fa.extractFaceTensors(img, [lmCrop]);
    const rawT = fa.nets.faceLandmark68Net.runNet(await fa.toNetInput(cropT));
    const raw = Array.from(await rawT.data());
    tf.dispose([cropT, rawT]);
    // descriptor crop: landmarks.align(null, {useDlibAlignment: true}) then clipAtImageBorders (floored)
    const dlibRect = r.landmarks.align(null, { useDlibAlignment: true });
    const descCrop = dlibRect.clipAtImageBorders(W, H);
    const pos = r.landmarks.positions.map((p) => [r6(p.x), r6(p.y)]);
    const match = cands.filter((cd) => Math.abs(cd.score - det.score) < 1e-6)
      .map((cd) => ({ cd, err: Math.max(...cd.box.map((v, k) => Math.abs(v - [det.box.x, det.box.y, det.box.right, det.box.bottom][k]))) }))
      .sort((p, q) => p.err - q.err)[0];
    if (!match || match.err > 1e-3) problems.push(`${tag} face ${i}: detection not reproduced from the raw tiny output (err ${match ? match.err : 'none'})`);

    // self-check 2: reproduce the landmark positions from the raw output (FaceLandmark68NetBase.postProcess +
    // FaceLandmarks constructor + extendWithFaceLandmarks shiftBy(detection.box.x, .y))
    const cw = lmCrop.width; const ch = lmCrop.height; const s = 112 / Math.max(cw, ch);
    const sw = cw * s; const sh = ch * s;
    const padX = sw < sh ? Math.abs(sw - sh) / 2 : 0; const padY = sh < sw ? Math.abs(sw - sh) / 2 : 0;
    let lmErr = 0;
    for (let k = 0; k < 68; k++) {
      const x = (raw[2 * k] * 112 - padX) / sw * cw + det.box.x; const y = (raw[2 * k + 1] * 112 - padY) / sh * ch + det.box.y;
      lmErr = Math.max(lmErr, Math.abs(x - r.landmarks.positions[k].x), Math.abs(y - r.landmarks.positions[k].y));
    }
    if (lmErr > 1e-3) problems.push(`${tag} face ${i}: landmarks not reproduced from runNet output (err ${lmErr})`);

    faces.push({
      box: box,
      score: det.score,
      tiny_cell: match ? { row: match.cd.row, col: match.cd.col, anchor: match.cd.anchor } : null,
      relative_box: boxXYXY(det.relativeBox),
      landmark_crop: rectXYWH(lmCrop),
      landmarks_raw: raw.map(r6),
      landmark_shift: [r6(r.landmarks.shift.x), r6(r.landmarks.shift.y)],
      landmarks: pos,
      aligned_rect: boxXYXY(r.alignedRect.box),
      descriptor_rect: rectXYWH(dlibRect),
      descriptor_crop: rectXYWH(descCrop),
      angle: r.angle,
      descriptor: Array.from(r.descriptor),
      check: { landmarks_reproduced_max_err: lmErr, detection_reproduced_max_err: match ? match.err : null },
    });
  }
  tinyOut.dispose();
  return { faces, tiny: { data: tinyData, shape: [1, n, n, 25] }, reshaped: [reshaped.width, reshaped.height], candidates: cands.length };
}

// ------------------------------------------------------------------------------------------------------------
// Human 3.3.6 BlazeFace, transcribed literally from .cache/packages/human/package/src/face/blazeface.ts
// (load: 26-34, decodeBoxes: 36-52, getBoxes: 54-125) and src/face/facemeshutil.ts (getBoxSize 16,
// getBoxCenter 18, scaleBoxCoordinates 34-47, enlargeBox 59-70, squarifyBox 72-83, generateAnchors 149-168).
const getBoxSize = (box) => [Math.abs(box.endPoint[0] - box.startPoint[0]), Math.abs(box.endPoint[1] - box.startPoint[1])];
const getBoxCenter = (box) => [box.startPoint[0] + (box.endPoint[0] - box.startPoint[0]) / 2, box.startPoint[1] + (box.endPoint[1] - box.startPoint[1]) / 2, 1];
const scaleBoxCoordinates = (box, factor, anchor) => ({
  startPoint: [box.startPoint[0] * factor[0], box.startPoint[1] * factor[1]],
  endPoint: [box.endPoint[0] * factor[0], box.endPoint[1] * factor[1]],
  landmarks: box.landmarks.map((pt) => [(pt[0] + anchor[0]) * factor[0], (pt[1] + anchor[1]) * factor[1]]),
  confidence: box.confidence,
});
const enlargeBox = (box, factor) => {
  const center = getBoxCenter(box); const size = getBoxSize(box);
  const halfSize = [factor * size[0] / 2, factor * size[1] / 2];
  return { startPoint: [center[0] - halfSize[0], center[1] - halfSize[1]], endPoint: [center[0] + halfSize[0], center[1] + halfSize[1]], landmarks: box.landmarks, confidence: box.confidence, size };
};
const squarifyBox = (box) => {
  const centers = getBoxCenter(box); const size = getBoxSize(box); const halfSize = Math.max(...size) / 2;
  return {
    startPoint: [Math.round(centers[0] - halfSize), Math.round(centers[1] - halfSize)],
    endPoint: [Math.round(centers[0] + halfSize), Math.round(centers[1] + halfSize)],
    landmarks: box.landmarks, confidence: box.confidence, size: [Math.round(size[0]), Math.round(size[1])],
  };
};
function generateAnchors(inputSize) {
  const spec = inputSize === 192 ? { strides: [4], anchors: [1] } : { strides: [inputSize / 16, inputSize / 8], anchors: [2, 6] };
  const anchors = [];
  for (let i = 0; i < spec.strides.length; i++) {
    const stride = spec.strides[i];
    const gridRows = Math.floor((inputSize + stride - 1) / stride);
    const gridCols = Math.floor((inputSize + stride - 1) / stride);
    for (let gridY = 0; gridY < gridRows; gridY++) {
      const anchorY = stride * (gridY + 0.5);
      for (let gridX = 0; gridX < gridCols; gridX++) {
        const anchorX = stride * (gridX + 0.5);
        for (let n = 0; n < spec.anchors[i]; n++) anchors.push([anchorX, anchorY]);
      }
    }
  }
  return anchors;
}

async function runBlazeFace(model, img4, config) {
  const inputSize = model.inputs[0].shape[2]; // load(): 30
  const inputSizeT = tf.scalar(inputSize, 'int32'); // 31
  const anchorsArr = generateAnchors(inputSize);
  const anchors = tf.tensor2d(anchorsArr); // 32
  const decodeBoxes = (boxOutputs) => { // 36-52
    const t = {};
    t.boxStarts = tf.slice(boxOutputs, [0, 1], [-1, 2]);
    t.centers = tf.add(t.boxStarts, anchors);
    t.boxSizes = tf.slice(boxOutputs, [0, 3], [-1, 2]);
    t.boxSizesNormalized = tf.div(t.boxSizes, inputSizeT);
    t.centersNormalized = tf.div(t.centers, inputSizeT);
    t.halfBoxSize = tf.div(t.boxSizesNormalized, tf.scalar(2.0, 'float32'));
    t.starts = tf.sub(t.centersNormalized, t.halfBoxSize);
    t.ends = tf.add(t.centersNormalized, t.halfBoxSize);
    t.startNormalized = tf.mul(t.starts, inputSizeT);
    t.endNormalized = tf.mul(t.ends, inputSizeT);
    const boxes = tf.concat2d([t.startNormalized, t.endNormalized], 1);
    Object.keys(t).forEach((k) => tf.dispose(t[k]));
    return boxes;
  };
  // getBoxes 54-125 (config.face.detector.square is false: no padding)
  const t = {};
  const pad = [0, 0]; const scale = [1, 1];
  t.padded = img4.clone(); // 67
  t.resized = tf.image.resizeBilinear(t.padded, [inputSize, inputSize]); // 69: alignCorners=false, halfPixelCenters=false
  t.div = tf.div(t.resized, tf.scalar(127.5, 'float32')); // 70
  t.normalized = tf.sub(t.div, tf.scalar(1.0, 'float32')); // 71
  const res = model.execute(t.normalized); // 72
  const sorted = res.sort((a, b) => a.size - b.size); // 74: [384x1, 512x1, 384x16, 512x16]
  t.concat384 = tf.concat([sorted[0], sorted[2]], 2); // 75
  t.concat512 = tf.concat([sorted[1], sorted[3]], 2); // 76
  t.concat = tf.concat([t.concat512, t.concat384], 1); // 77
  t.batch = tf.squeeze(t.concat, [0]); // 78
  tf.dispose(res);
  t.boxes = decodeBoxes(t.batch); // 85
  t.logits = tf.slice(t.batch, [0, 0], [-1, 1]);
  t.sigmoid = tf.sigmoid(t.logits);
  t.scores = tf.squeeze(t.sigmoid);
  t.nms = await tf.image.nonMaxSuppressionAsync(t.boxes, t.scores, config.maxDetected || 0, config.iouThreshold || 0, config.minConfidence || 0); // 89
  const nms = await t.nms.array();
  const scores = await t.scores.data();
  const batch = await t.batch.data();
  const allBoxes = await t.boxes.data();
  const W = img4.shape[2]; const H = img4.shape[1];
  const faces = [];
  for (let i = 0; i < nms.length; i++) {
    const confidence = scores[nms[i]];
    if (!(confidence > (config.minConfidence || 0))) continue; // 95
    const b = {};
    b.bbox = tf.slice(t.boxes, [nms[i], 0], [1, -1]); // 97
    b.slice = tf.slice(t.batch, [nms[i], 6 - 1], [1, -1]); // 98: keypointsCount - 1 = 5 -> columns 5..16
    b.squeeze = tf.squeeze(b.slice);
    b.landmarks = tf.reshape(b.squeeze, [6, -1]); // 100
    const points = await b.bbox.data();
    const unpadded = [points[0] * scale[0] - pad[0], points[1] * scale[1] - pad[1], points[2] * scale[0] - pad[0], points[3] * scale[1] - pad[1]];
    const rawBox = { startPoint: [unpadded[0], unpadded[1]], endPoint: [unpadded[2], unpadded[3]], landmarks: await b.landmarks.array(), confidence };
    b.anchor = tf.slice(anchors, [nms[i], 0], [1, 2]);
    const anchor = await b.anchor.data();
    const scaledBox = scaleBoxCoordinates(rawBox, [W / inputSize, H / inputSize], anchor); // 116
    const enlargedBox = enlargeBox(scaledBox, config.scale || 1.4); // 117
    const squaredBox = squarifyBox(enlargedBox); // 118
    Object.keys(b).forEach((k) => tf.dispose(b[k]));
    if (!(squaredBox.size[0] > (config.minSize || 0) && squaredBox.size[1] > (config.minSize || 0))) continue; // 119
    faces.push({
      box: [...scaledBox.startPoint, ...scaledBox.endPoint].map(r6),
      score: confidence,
      keypoints: scaledBox.landmarks.map((p) => p.map(r6)),
      enlarged_box: [...enlargedBox.startPoint, ...enlargedBox.endPoint].map(r6),
      crop_box: [...squaredBox.startPoint, ...squaredBox.endPoint],
      crop_size: squaredBox.size,
      anchor_index: nms[i],
      anchor: Array.from(anchor),
      box_input: Array.from(points).map(r6),
      raw: Array.from(batch.slice(nms[i] * 17, nms[i] * 17 + 17)),
    });
  }
  const top = Array.from(scores).map((s, k) => [s, k]).sort((p, q) => q[0] - p[0]).slice(0, 8);
  const out = { faces, batch: { data: batch, shape: [batch.length / 17, 17] }, inputSize, top, above: Array.from(scores).filter((s) => s > config.minConfidence).length, allBoxes };
  Object.keys(t).forEach((k) => tf.dispose(t[k]));
  tf.dispose([inputSizeT, anchors]);
  return out;
}

// ------------------------------------------------------------------------------------------------------------
const inside = (p, b, m = 0) => p[0] >= b[0] - m && p[0] <= b[2] + m && p[1] >= b[1] - m && p[1] <= b[3] + m;

async function main() {
  const backend = await c.initTf({ backend: arg('--backend') || 'wasm' });
  console.log(`tfjs ${tf.version.tfjs}, backend ${backend}`);
  const fa = c.loadFaceApi();
  for (const net of ['tinyFaceDetector', 'ssdMobilenetv1', 'faceLandmark68Net', 'faceRecognitionNet']) await fa.nets[net].loadFromDisk(c.FACEAPI_MODEL_DIR);
  const blaze = await c.loadGraphModel('blazeface-back');
  fs.rmSync(OUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const problems = [];
  const summary = {};

  for (const name of IMAGES) {
    const src = path.join(c.FACEAPI_DEMO_DIR, `${name}.jpg`);
    const jpg = decodeJpegRgb(src);
    const small = downscale(jpg.data, jpg.width, jpg.height, TARGET_WIDTH);
    const pngFile = path.join(OUT_DIR, `${name}.png`);
    fs.writeFileSync(pngFile, encodePng(small));
    // read the PNG back: these pixels are THE input
    const dec = decodePng(fs.readFileSync(pngFile));
    if (dec.width !== small.width || dec.height !== small.height || dec.data.some((v, k) => v !== small.data[k])) throw new Error(`${name}: PNG round trip failed`);
    const { width: W, height: H } = dec;
    const img = tf.tensor3d(Float32Array.from(dec.data), [H, W, 3], 'float32');
    console.log(`\n== ${name}: ${jpg.width}x${jpg.height} -> ${W}x${H}, PNG ${(fs.statSync(pngFile).size / 1e3).toFixed(0)} kB`);

    // ---- face-api ----
    const fr = await runFaceApi(fa, img, W, H, problems, name);
    fs.writeFileSync(path.join(OUT_DIR, `tiny_${name}.npy`), c.npyBuffer(fr.tiny.data, fr.tiny.shape));
    fs.writeFileSync(path.join(OUT_DIR, `faceapi_${name}.json`), `${JSON.stringify({
      image: `${name}.png`, width: W, height: H,
      options: { detector: 'TinyFaceDetector', inputSize: TINY_INPUT_SIZE, scoreThreshold: TINY_SCORE_THRESHOLD, landmarks: 'faceLandmark68Net', descriptor: 'faceRecognitionNet' },
      tiny_input_reshaped_wh: fr.reshaped,
      tiny_candidates_above_threshold: fr.candidates,
      faces: fr.faces,
    })}\n`);
    console.log(`face-api: ${fr.faces.length} faces (${fr.candidates} raw cells > ${TINY_SCORE_THRESHOLD}); reshaped input ${fr.reshaped.join('x')}`);
    for (const [i, f] of fr.faces.entries()) {
      const inBox = f.landmarks.filter((p) => inside(p, f.box)).length;
      const inBoxM = f.landmarks.filter((p) => inside(p, f.box, 0.15 * (f.box[2] - f.box[0]))).length;
      console.log(`  ${i}: score ${f.score.toFixed(4)} box [${f.box.map((v) => v.toFixed(1)).join(', ')}] lm-crop ${JSON.stringify(f.landmark_crop)} desc-crop ${JSON.stringify(f.descriptor_crop)} landmarks in box ${inBox}/68 (within 15% margin ${inBoxM}/68) |d| ${l2(f.descriptor, f.descriptor.map(() => 0)).toFixed(3)}`);
      if (inBoxM < 68) problems.push(`${name} face-api face ${i}: ${68 - inBoxM} landmarks outside the box (+15%)`);
      if (inBox < 50) problems.push(`${name} face-api face ${i}: only ${inBox}/68 landmarks inside the box`);
    }
    let minD = Infinity;
    for (let a = 0; a < fr.faces.length; a++) for (let b = a + 1; b < fr.faces.length; b++) minD = Math.min(minD, l2(fr.faces[a].descriptor, fr.faces[b].descriptor));
    console.log(`  min pairwise descriptor L2: ${minD.toFixed(3)}`);
    if (fr.faces.length > 1 && minD <= 0.4) problems.push(`${name}: two faces with descriptor distance ${minD.toFixed(3)} <= 0.4`);
    if (fr.faces.length === 0) problems.push(`${name}: face-api found no face`);

    // ---- face-api ssd_mobilenetv1 (detections only) ----
    const ssdOpts = { minConfidence: SSD_MIN_CONFIDENCE, maxResults: SSD_MAX_RESULTS };
    const ssd = await fa.detectAllFaces(img, new fa.SsdMobilenetv1Options(ssdOpts));
    const ssdFaces = ssd.map((d) => ({ box: boxXYXY(d.box), score: r6(d.score) }));
    fs.writeFileSync(path.join(OUT_DIR, `faceapi_ssd_${name}.json`), `${JSON.stringify({
      image: `${name}.png`, width: W, height: H, options: { detector: 'SsdMobilenetv1', ...ssdOpts }, faces: ssdFaces,
    })}\n`);
    console.log(`face-api ssd_mobilenetv1: ${ssdFaces.length} faces, scores ${ssdFaces.map((f) => f.score.toFixed(4)).join(' ')}`);
    if (ssdFaces.length === 0) problems.push(`${name}: face-api ssd_mobilenetv1 found no face`);

    // ---- Human BlazeFace ----
    const img4 = tf.expandDims(img, 0);
    const bf = await runBlazeFace(blaze, img4, HUMAN);
    fs.writeFileSync(path.join(OUT_DIR, `blazeface_${name}.npy`), c.npyBuffer(bf.batch.data, bf.batch.shape));
    fs.writeFileSync(path.join(OUT_DIR, `blazeface_${name}.json`), `${JSON.stringify({
      image: `${name}.png`, width: W, height: H, model: 'blazeface-back', input_size: bf.inputSize, options: HUMAN,
      anchors_above_min_confidence: bf.above, faces: bf.faces,
    })}\n`);
    console.log(`blazeface: ${bf.faces.length} faces (${bf.above} anchors > ${HUMAN.minConfidence}); top anchor scores ${bf.top.map(([s, k]) => `${s.toFixed(3)}@${k}`).join(' ')}`);
    for (const [i, f] of bf.faces.entries()) {
      const inner = f.keypoints.slice(0, 4).filter((p) => inside(p, f.box)).length; // eyes, nose, mouth
      const all = f.keypoints.filter((p) => inside(p, f.enlarged_box)).length;
      console.log(`  ${i}: score ${f.score.toFixed(4)} box [${f.box.map((v) => v.toFixed(1)).join(', ')}] crop ${JSON.stringify(f.crop_box)} eyes/nose/mouth in box ${inner}/4, all 6 in enlarged box ${all}/6`);
      if (inner < 4 || all < 6) problems.push(`${name} blazeface face ${i}: keypoints outside box`);
    }
    // cross-check: every face-api face has a blazeface face nearby (centre inside)
    for (const [i, f] of fr.faces.entries()) {
      const cx = (f.box[0] + f.box[2]) / 2; const cy = (f.box[1] + f.box[3]) / 2;
      const hit = bf.faces.some((b) => inside([cx, cy], b.box));
      if (!hit) console.log(`  note: face-api face ${i} has no blazeface box containing its centre`);
    }
    summary[name] = { width: W, height: H, pixels_sha256: require('crypto').createHash('sha256').update(dec.data).digest('hex'), faceapi_faces: fr.faces.length, faceapi_scores: fr.faces.map((f) => r6(f.score)), faceapi_ssd_faces: ssdFaces.length, blazeface_faces: bf.faces.length, blazeface_scores: bf.faces.map((f) => r6(f.score)) };
    tf.dispose([img, img4]);
  }

  // ---- face-api on the original JPEGs (full size, jpeg-js), compact: boxes, scores, landmarks, descriptors ----
  const jpegSummary = {};
  for (const name of JPEGS) {
    const file = `${name}.jpg`;
    const jpg = decodeJpegRgb(path.join(c.FACEAPI_DEMO_DIR, file));
    const { width: W, height: H } = jpg;
    const img = tf.tensor3d(Float32Array.from(jpg.data), [H, W, 3], 'float32');
    const fr = await runFaceApi(fa, img, W, H, problems, file);
    tf.dispose(img);
    fs.writeFileSync(path.join(OUT_DIR, `faceapi_jpeg_${name}.json`), `${JSON.stringify({
      image: `face-api package demo/${file}`, decoder: 'jpeg-js 0.4.4', width: W, height: H,
      options: { detector: 'TinyFaceDetector', inputSize: TINY_INPUT_SIZE, scoreThreshold: TINY_SCORE_THRESHOLD, landmarks: 'faceLandmark68Net', descriptor: 'faceRecognitionNet' },
      faces: fr.faces.map((f) => ({ box: f.box.map(r3), score: r6(f.score), landmarks: f.landmarks.map((p) => p.map(r3)), descriptor: f.descriptor.map(sig6) })),
    })}\n`);
    let minD = Infinity;
    for (let a = 0; a < fr.faces.length; a++) for (let b = a + 1; b < fr.faces.length; b++) minD = Math.min(minD, l2(fr.faces[a].descriptor, fr.faces[b].descriptor));
    console.log(`\n== ${file} (jpeg-js, ${W}x${H}): face-api ${fr.faces.length} faces, scores ${fr.faces.map((f) => f.score.toFixed(4)).join(' ')}; min pairwise descriptor L2 ${minD.toFixed(3)}`);
    if (fr.faces.length === 0) problems.push(`${file}: face-api found no face`);
    jpegSummary[name] = { width: W, height: H, pixels_sha256: require('crypto').createHash('sha256').update(jpg.data).digest('hex'), faceapi_faces: fr.faces.length, faceapi_scores: fr.faces.map((f) => r6(f.score)) };
  }

  const meta = {
    description: 'Stage-by-stage pipeline goldens from the original JS (face-api 1.7.15, Human 3.3.6 BlazeFace decode) on whole photos. Regenerate: cd weights_tools/golden && node make_pipeline_golden.js',
    tfjs: tf.version.tfjs,
    backend,
    images: summary,
    jpeg_images: jpegSummary,
    input: {
      source: 'face-api package demo/sampleN.jpg (1920 px wide), decoded with jpeg-js 0.4.4',
      resize: `area-average downscale (box filter, fractional coverage, separable x then y, float64) to ${TARGET_WIDTH} px wide, height round(H*${TARGET_WIDTH}/W), rounded to uint8`,
      png: 'sampleN.png (pixels_sha256 = sha256 of the decoded H*W*3 RGB bytes, row-major): RGB 8-bit, no alpha, non-interlaced; read back and checked byte-exact. Both references run on exactly these pixels as a float32 [H, W, 3] tensor 0..255',
    },
    files: {
      'sampleN.png': 'the input image',
      'faceapi_sampleN.json': 'face-api detectAllFaces(img, TinyFaceDetectorOptions{inputSize 416, scoreThreshold 0.5}).withFaceLandmarks().withFaceDescriptors(), faces in face-api result order (NMS order, score descending)',
      'tiny_sampleN.npy': 'float32 [1,13,13,25]: tinyFaceDetector.forwardInput(toNetInput(img), 416), the raw conv output face-api decodes (5 anchors x [tx, ty, tw, th, score]); the input is the image zero-padded bottom/right to a square and bilinear-resized to 416',
      'blazeface_sampleN.json': 'Human 3.3.6 blazeface.getBoxes transcribed (blazeface-back, 256), options below',
      'faceapi_ssd_sampleN.json': 'face-api detectAllFaces(img, SsdMobilenetv1Options{minConfidence 0.5, maxResults 100}) on the same PNG pixels: box [x1, y1, x2, y2] in image pixels and score, in face-api result order (NMS order, score descending)',
      'faceapi_jpeg_sampleN.json': 'the JPEG-path check: face-api detectAllFaces(img, TinyFaceDetectorOptions{416, 0.5}).withFaceLandmarks().withFaceDescriptors() on the ORIGINAL demo/sampleN.jpg at full size (N = 1..6), decoded with jpeg-js 0.4.4 (jpeg_images: pixels_sha256 of those RGB bytes), as a float32 [H, W, 3] tensor 0..255. Compact: per face box [x1, y1, x2, y2] and landmarks (68 x [x, y]) in image pixels rounded to 1e-3, score rounded to 1e-6, descriptor (128, not normalised) to 6 significant digits; fields as in faceapi_sampleN.json. lfr decodes the same files with its own decoder (JpegDecoder::JpegJs), which gives exactly the RGB bytes jpeg-js gives, so these are compared stage by stage too',
      'blazeface_sampleN.npy': 'float32 [896,17]: Human\'s t.batch (outputs sorted by size, 512 rows of the 16x16 grid then 384 of the 8x8 grid; col 0 logit, 1-4 box dx,dy,w,h, 5-16 keypoint offsets), before decoding',
    },
    faceapi_fields: {
      box: 'detection.box [x1, y1, x2, y2] in image pixels (relative box from the tiny decoder times image width/height; not clipped)',
      score: 'detection.score = sigmoid(raw score) of the winning cell',
      tiny_cell: 'row, col, anchor of that cell in tiny_sampleN.npy',
      relative_box: 'detection.relativeBox [x1, y1, x2, y2] in 0..1 of the image',
      landmark_crop: '[x, y, w, h] the landmark net crops: detection.box clipped to the image, then Box.floor() of x, y, w, h (w = floor(right - clippedX), not floor(right) - floor(x))',
      landmarks_raw: 'faceLandmark68Net.runNet on that crop: [x0, y0, x1, y1, ...] relative to the 112 input (crop centre-padded to square: round(diff/2) after, rest before; bilinear to 112)',
      landmark_shift: 'the offset added to the landmarks = detection.box.x, .y (NOT floored: the crop origin is floor(x), so positions are offset by the fractional part)',
      landmarks: 'landmarks.positions, 68 x [x, y] image pixels = (raw*112 - pad) / (crop*112/max(cw,ch)) * crop + shift, pad = |sw - sh|/2 on the short side (exact half, while the image pad is round(diff/2) after)',
      aligned_rect: 'alignedRect.box [x1, y1, x2, y2]: landmarks.align() default = min bbox of the 68 points padded by 0.2 w/h; NOT what the descriptor uses',
      descriptor_rect: '[x, y, w, h] landmarks.align(null, {useDlibAlignment: true}) = the rect withFaceDescriptors uses (alignDlib: eye centres 36-41, 42-47, mouth 48-67; size = floor(mean eye-mouth dist / 0.45); x = floor(max(0, ref.x - 0.5 size)), y = floor(max(0, ref.y - 0.43 size)); w = min(size, cropW + x), h = min(size, cropH + y))',
      descriptor_crop: '[x, y, w, h] descriptor_rect.clipAtImageBorders(W, H) (floored), the crop actually fed (centre-padded, resized to 150)',
      descriptor: '128-d faceRecognitionNet output, not normalised',
      angle: 'face-api roll/pitch/yaw from the unshifted landmarks',
      note: 'landmarks and descriptors run one face at a time (batch 1). sample6 face 4 (score 0.58) is a real face-api false positive straddling two faces (IoU < 0.4 with both, so NMS keeps it); kept on purpose',
    },
    blazeface_fields: {
      options: HUMAN,
      options_note: 'Human config.face.detector defaults (src/config.ts 384-396: minConfidence 0.2, iouThreshold 0.1, scale 1.4, minSize 0, square unset) except maxDetected 20 (default 1). tf.image.nonMaxSuppressionAsync(boxes, scores, 20, 0.1, 0.2) on boxes [x1, y1, x2, y2] in 256-input pixels',
      preprocessing: 'whole image [1,H,W,3] 0..255, tf.image.resizeBilinear to 256x256 (alignCorners false, halfPixelCenters false, stretched, no padding), /127.5 - 1',
      box: '[x1, y1, x2, y2] image pixels = decoded box in the 256 input (centre = (dx, dy) + anchor, size = (w, h)) times (W/256, H/256); before the 1.4x enlargement',
      score: 'sigmoid(logit)',
      keypoints: '6 x [x, y] image pixels = (offset + anchor) * (W/256, H/256); MediaPipe BlazeFace order: right eye, left eye, nose tip, mouth centre, right ear tragion, left ear tragion',
      enlarged_box: '[x1, y1, x2, y2] box enlarged 1.4x around its centre (enlargeBox), not rounded',
      crop_box: '[x1, y1, x2, y2] squarifyBox(enlarged): side = max(w, h), rounded with Math.round -> the square box Human crops the face with (cutAndResize -> facemesh 192)',
      crop_size: 'squarifyBox .size = round of the enlarged (non-square) w, h (used for the minSize test)',
      anchor_index: 'row in blazeface_sampleN.npy',
      anchor: 'anchor centre in 256-input pixels',
      box_input: 'decoded box in 256-input pixels',
      raw: 'the 17 raw values of that row',
    },
  };
  fs.writeFileSync(path.join(OUT_DIR, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);

  let total = 0;
  for (const f of fs.readdirSync(OUT_DIR)) total += fs.statSync(path.join(OUT_DIR, f)).size;
  console.log(`\ntotal size of ${path.relative(process.cwd(), OUT_DIR)}: ${(total / 1e6).toFixed(2)} MB; backend ${backend}`);
  if (problems.length) { console.log(`PROBLEMS:\n  ${problems.join('\n  ')}`); process.exitCode = 1; } else console.log('all checks passed');
}

main().catch((e) => { console.error(e); process.exit(1); });
