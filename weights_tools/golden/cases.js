'use strict';
// Golden cases: for every model, build the exact network input (in0) from a real photo with the reference
// pre-processing of the original JS, and a `run(x)` that calls the ORIGINAL implementation on it
// (face-api's own net classes, or tf.GraphModel.execute for human-models).
// Shared by make_golden.js (writes .npy) and bench/tfjs_bench.js (times run()).

const path = require('path');
const c = require('./common');

const { tf } = c;
const IMAGE = 'sample1.jpg';

// Hand-checked face boxes [x, y, w, h] in sample1.jpg (1920x1280), from face-api's tiny_face_detector
// (inputSize 416, scores 0.78 / 0.72 / 0.78; make_golden.js re-runs the detector and prints the IoU).
// Index 0 (the centre face) is used for all batch-1 goldens; all three for the batch-3 goldens.
const FACE_BOXES = [
  [776, 445, 313, 256], // centre
  [336, 396, 306, 253], // left
  [1422, 215, 307, 283], // right
];

// ---- Human (src/face/facemeshutil.ts) box helpers, transcribed ----
const getBoxSize = (b) => [Math.abs(b.endPoint[0] - b.startPoint[0]), Math.abs(b.endPoint[1] - b.startPoint[1])];
const getBoxCenter = (b) => [b.startPoint[0] + (b.endPoint[0] - b.startPoint[0]) / 2, b.startPoint[1] + (b.endPoint[1] - b.startPoint[1]) / 2];
const enlargeBox = (b, f) => {
  const ctr = getBoxCenter(b); const s = getBoxSize(b);
  return { startPoint: [ctr[0] - f * s[0] / 2, ctr[1] - f * s[1] / 2], endPoint: [ctr[0] + f * s[0] / 2, ctr[1] + f * s[1] / 2] };
};
const squarifyBox = (b) => {
  const ctr = getBoxCenter(b); const half = Math.max(...getBoxSize(b)) / 2;
  return { startPoint: [Math.round(ctr[0] - half), Math.round(ctr[1] - half)], endPoint: [Math.round(ctr[0] + half), Math.round(ctr[1] + half)] };
};
const calculateLandmarksBoundingBox = (pts) => {
  const x = pts.map((d) => d[0]); const y = pts.map((d) => d[1]);
  return { startPoint: [Math.min(...x), Math.min(...y)], endPoint: [Math.max(...x), Math.max(...y)] };
};
// facemeshutil.cutAndResize: crop-and-resize (bilinear, extrapolation 0) then /255
const cutAndResize = (box, image, size) => tf.tidy(() => {
  const h = image.shape[1]; const w = image.shape[2];
  const cutBox = [box.startPoint[1] / h, box.startPoint[0] / w, box.endPoint[1] / h, box.endPoint[0] / w];
  return tf.div(tf.image.cropAndResize(image, [cutBox], [0], size), 255);
});
// Human face box from a detection box: enlarge 1.4 around the centre, then make it square
// (what blazeface.getBoxes does to its raw box; config.face.detector.scale = 1.4).
const humanFaceBox = ([x, y, w, h]) => squarifyBox(enlargeBox({ startPoint: [x, y], endPoint: [x + w, y + h] }, 1.4));

// face-api model names (file stem in package/model) per case
const FACEAPI = {
  tiny_face_detector: 'tinyFaceDetector',
  ssd_mobilenetv1: 'ssdMobilenetv1',
  face_landmark_68: 'faceLandmark68Net',
  face_landmark_68_tiny: 'faceLandmark68TinyNet',
  face_recognition_model: 'faceRecognitionNet',
};

async function buildCases({ only } = {}) {
  const fa = c.loadFaceApi();
  for (const net of Object.values(FACEAPI)) await fa.nets[net].loadFromDisk(c.FACEAPI_MODEL_DIR);
  const img3 = c.readJpeg(path.join(c.FACEAPI_DEMO_DIR, IMAGE)); // [H, W, 3] float 0..255
  const img4 = tf.expandDims(img3, 0);
  const [H, W] = img3.shape;
  const cases = [];
  const want = (name) => !only || only.includes(name);

  // NetInput for a tensor that is already [B, S, S, 3] at the net's size: toBatchTensor is then the identity
  // (padToSquare returns it unchanged, no resize), so the net sees exactly `x`.
  const toNI = (x) => fa.toNetInput(x.shape[0] === 1 ? x : tf.unstack(x));
  // face-api's own NetInput.toBatchTensor on a raw image/crop (pad + bilinear resize, 0..255)
  const batchTensor = async (inputs, size, centre) => (await fa.toNetInput(inputs)).toBatchTensor(size, centre);

  // ---------------- face-api detectors (whole photo, pad bottom/right) ----------------
  if (want('tiny_face_detector')) {
    const S = 224;
    cases.push({
      name: 'tiny_face_detector', source: 'face-api', model: 'tiny_face_detector', crop: null,
      input: await batchTensor(img3, S, false),
      run: async (x) => [fa.nets.tinyFaceDetector.forwardInput(await toNI(x), S)],
      outputNames: ['conv8 (raw, before decoding)'],
      notes: `whole ${IMAGE} (${W}x${H}) padded bottom/right to square and resized to ${S}; net normalises (x - [117.001, 114.697, 97.404]) / 255`,
    });
  }
  if (want('ssd_mobilenetv1')) {
    cases.push({
      name: 'ssd_mobilenetv1', source: 'face-api', model: 'ssd_mobilenetv1', crop: null,
      input: await batchTensor(img3, 512, false),
      run: async (x) => {
        const { boxes, scores } = fa.nets.ssdMobilenetv1.forwardInput(await toNI(x));
        const out = [tf.stack(boxes), tf.stack(scores)];
        tf.dispose([...boxes, ...scores]);
        return out;
      },
      outputNames: ['boxes (decoded with anchors: [ymin, xmin, ymax, xmax], relative to the padded square)', 'scores (sigmoid of class 1)'],
      notes: `whole ${IMAGE} padded bottom/right to square and resized to 512; net normalises x / 127.5 - 1. Outputs are face-api's forwardInput result {boxes[b], scores[b]} stacked over the batch; NMS not applied`,
    });
  }

  // ---------------- face-api landmarks + recognition (face crops, centred pad) ----------------
  // landmark crop: detection box clipped to the image (face-api extractFaceTensors)
  const rects = FACE_BOXES.map(([x, y, w, h]) => new fa.Rect(x, y, w, h));
  const lmCrops = await fa.extractFaceTensors(img3, rects);
  // recognition crop: landmarks (face_landmark_68) shifted to image coords, dlib alignment (as withFaceDescriptors)
  const alignedRects = [];
  for (let i = 0; i < rects.length; i++) {
    const lm = await fa.nets.faceLandmark68Net.detectLandmarks(lmCrops[i]);
    alignedRects.push(lm.shiftBy(rects[i].x, rects[i].y).align(null, { useDlibAlignment: true }));
  }
  const recCrops = await fa.extractFaceTensors(img3, alignedRects);
  const rectArr = (r) => [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 1000) / 1000);

  for (const [name, net] of [['face_landmark_68', 'faceLandmark68Net'], ['face_landmark_68_tiny', 'faceLandmark68TinyNet']]) {
    for (const batch of [1, 3]) {
      if (batch === 3 && name === 'face_landmark_68_tiny') continue;
      const cname = batch === 1 ? name : `${name}-b3`;
      if (!want(cname)) continue;
      const idx = batch === 1 ? [0] : [0, 1, 2];
      cases.push({
        name: cname, source: 'face-api', model: name,
        crop: batch === 1 ? rectArr(rects[0]) : idx.map((i) => rectArr(rects[i])),
        input: await batchTensor(idx.map((i) => lmCrops[i]), 112, true),
        run: async (x) => [fa.nets[net].runNet(await toNI(x))],
        outputNames: ['fc (raw [x0, y0, x1, y1, ...] relative to the 112 input, before postProcess)'],
        notes: 'face crop = detection box [x, y, w, h] of the photo; centred zero pad to square, bilinear resize to 112; net normalises (x - [122.782, 117.001, 104.298]) / 255',
      });
    }
  }
  for (const batch of [1, 3]) {
    const cname = batch === 1 ? 'face_recognition_model' : 'face_recognition_model-b3';
    if (!want(cname)) continue;
    const idx = batch === 1 ? [0] : [0, 1, 2];
    cases.push({
      name: cname, source: 'face-api', model: 'face_recognition_model',
      crop: batch === 1 ? rectArr(alignedRects[0]) : idx.map((i) => rectArr(alignedRects[i])),
      input: await batchTensor(idx.map((i) => recCrops[i]), 150, true),
      run: async (x) => [fa.nets.faceRecognitionNet.forwardInput(await toNI(x))],
      outputNames: ['descriptor (matmul output, not normalised)'],
      notes: 'face crop = dlib-aligned rect from face_landmark_68 landmarks (landmarks.align(null, {useDlibAlignment: true})); centred zero pad, bilinear resize to 150; net normalises (x - [122.782, 117.001, 104.298]) / 255',
    });
  }

  // ---------------- human-models ----------------
  const graph = async (name) => {
    const m = await c.loadGraphModel(name);
    return {
      inputName: m.inputs[0].name,
      run: async (x) => { const r = m.execute(x); return Array.isArray(r) ? r : [r]; },
      outputNames: m.outputs.map((o, i) => ({ name: o.name, signature: m.outputNodes[i] })),
    };
  };
  // blazeface: whole photo stretch-resized (no padding, config.face.detector.square unset), x / 127.5 - 1
  for (const [name, S] of [['blazeface-front', 128], ['blazeface-back', 256]]) {
    if (!want(name)) continue;
    const g = await graph(name);
    cases.push({
      name, source: 'human-models', model: name, crop: null,
      input: tf.tidy(() => tf.sub(tf.div(tf.image.resizeBilinear(img4, [S, S]), 127.5), 1)),
      ...g,
      notes: `whole ${IMAGE} stretch-resized to ${S}x${S} (bilinear, no corner alignment), x / 127.5 - 1 (human src/face/blazeface.ts)`,
    });
  }
  // Human face tensor: cutAndResize(box, image, [192, 192]) -> 0..1 (facemesh input; other face models derive from it)
  const hbox = humanFaceBox(FACE_BOXES[0]);
  const hcrop = [hbox.startPoint[0], hbox.startPoint[1], hbox.endPoint[0] - hbox.startPoint[0], hbox.endPoint[1] - hbox.startPoint[1]];
  const face192 = cutAndResize(hbox, img4, [192, 192]);
  const humanNote = `face tensor = crop-and-resize of the square box ${JSON.stringify(hcrop)} (face box enlarged 1.4x and squarified, human facemeshutil.cutAndResize) to 192x192, /255`;
  if (want('facemesh') || want('iris')) {
    const mesh = await graph('facemesh');
    if (want('facemesh')) cases.push({ name: 'facemesh', source: 'human-models', model: 'facemesh', crop: hcrop, input: face192, ...mesh, notes: humanNote });
    if (want('iris')) {
      // human src/face/iris.ts augmentIris: eye boxes from mesh points, cropAndResize from the 192 face tensor,
      // flipLeftRight (the wasm backend has the kernel), both eyes concatenated -> batch 2
      const outs = await mesh.run(face192);
      const meshT = outs.find((t) => t.shape[t.shape.length - 1] === 1404);
      const raw = (await meshT.array())[0];
      tf.dispose(outs);
      const pt = (i) => [raw[3 * i], raw[3 * i + 1], raw[3 * i + 2]];
      const flip = tf.getKernelsForBackend(tf.getBackend()).some((k) => k.kernelName.toLowerCase() === 'flipleftright');
      const eyeCrop = (a, b) => tf.tidy(() => {
        const box = squarifyBox(enlargeBox(calculateLandmarksBoundingBox([pt(a), pt(b)]), 2.3));
        const crop = tf.image.cropAndResize(face192, [[box.startPoint[1] / 192, box.startPoint[0] / 192, box.endPoint[1] / 192, box.endPoint[0] / 192]], [0], [64, 64]);
        return flip ? tf.image.flipLeftRight(crop) : crop;
      });
      // leftEyeLower0 bounds [263, 362], rightEyeLower0 bounds [33, 133]
      const input = tf.concat([eyeCrop(263, 362), eyeCrop(33, 133)]);
      const g = await graph('iris');
      cases.push({
        name: 'iris', source: 'human-models', model: 'iris', crop: hcrop, input, ...g,
        notes: `${humanNote}; eye crops (mesh points 263/362 and 33/133, box enlarged 2.3x, squarified) crop-and-resized from the 192 face tensor to 64x64, ${flip ? 'flipped left-right, ' : ''}batch 2 = [left eye, right eye] as human iris.ts feeds it; values 0..1`,
      });
    }
  }
  const resize = (S) => tf.image.resizeBilinear(face192, [S, S], false);
  const humanFace = [
    ['faceres', () => tf.mul(resize(224), 255), 'resize to 224, x255 (human faceres.ts enhance)'],
    ['faceres-deep', () => tf.mul(resize(224), 255), 'resize to 224, x255 (human faceres.ts enhance)'],
    ['mobileface', () => tf.mul(resize(112), 255), 'resize to 112, x255 (graph itself computes (x - 127.5) * 0.0078125)'],
    ['antispoof', () => resize(128), 'resize to 128, values 0..1 (human antispoof.ts)'],
    ['liveness', () => resize(32), 'resize to 32, values 0..1 (human liveness.ts)'],
    ['emotion', () => tf.mul(tf.sub(tf.sum(tf.mul(resize(64), [0.2989, 0.5870, 0.1140]), 3, true), 0.5), 2), 'resize to 64, gray = sum(rgb * [0.2989, 0.5870, 0.1140]), (gray - 0.5) * 2 (human gear/emotion.ts)'],
  ];
  for (const [name, prep, note] of humanFace) {
    if (!want(name)) continue;
    const g = await graph(name);
    cases.push({ name, source: 'human-models', model: name, crop: hcrop, input: tf.tidy(prep), ...g, notes: `${humanNote}; ${note}` });
  }
  return { cases, fa, img3, img4, lmCrops, recCrops, rects, alignedRects, hbox, face192 };
}

module.exports = { buildCases, FACE_BOXES, IMAGE, humanFaceBox, cutAndResize };
