#!/usr/bin/env node
'use strict';
// Golden-output generator: runs the ORIGINAL TF.js implementations (face-api net classes, human-models graph
// models) on real face inputs from face-api's demo photos and writes tests/golden/<name>/{in0,out*.npy,meta.json}.
//
//   cd weights_tools/golden && npm ci --ignore-scripts && node make_golden.js [--only a,b] [--png DIR] [--backend wasm|cpu]
//
// --out DIR writes somewhere else than tests/golden (e.g. to compare backends).
// --png DIR writes every input image (and each batch item) as PNG, for eyeballing the crops.

const fs = require('fs');
const path = require('path');
const c = require('./common');
const { buildCases, FACE_BOXES, IMAGE, humanFaceBox, cutAndResize } = require('./cases');

const { tf } = c;
const OUT_DIR = process.argv.includes('--out') ? path.resolve(process.argv[process.argv.indexOf('--out') + 1]) : path.join(c.REPO_ROOT, 'tests', 'golden');

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function stats(a) {
  let min = Infinity; let max = -Infinity; let sum = 0; let nan = 0; let zero = 0;
  for (const v of a) {
    if (Number.isNaN(v)) { nan++; continue; }
    if (v < min) min = v; if (v > max) max = v; sum += v; if (v === 0) zero++;
  }
  return { min, max, mean: sum / (a.length - nan), nan, zero, n: a.length };
}
const fmt = (s) => `min ${s.min.toPrecision(5)} max ${s.max.toPrecision(5)} mean ${s.mean.toPrecision(5)}${s.nan ? ` NaN ${s.nan}` : ''}${s.zero === s.n ? ' ALL-ZERO' : ''}`;
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const l2 = (a, b) => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0));
const cos = (a, b) => { let d = 0; let na = 0; let nb = 0; for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] ** 2; nb += b[i] ** 2; } return d / Math.sqrt(na * nb); };
const iou = (a, b) => {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  return (ix * iy) / (a[2] * a[3] + b[2] * b[3] - ix * iy);
};

async function main() {
  const backendArg = arg('--backend') || 'wasm';
  const only = arg('--only') ? arg('--only').split(',') : undefined;
  const pngDir = arg('--png');
  const backend = await c.initTf({ backend: backendArg });
  console.log(`tfjs ${tf.version.tfjs}, backend ${backend}`);
  const ctx = await buildCases({ only });
  const { fa, img3 } = ctx;
  const problems = [];

  // sanity: the hand-checked boxes still match what face-api's detector finds
  const dets = await fa.detectAllFaces(img3, new fa.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }));
  for (const [i, fb] of FACE_BOXES.entries()) {
    const best = Math.max(0, ...dets.map((d) => iou(fb, [d.box.x, d.box.y, d.box.width, d.box.height])));
    console.log(`face box ${i} ${JSON.stringify(fb)}: best IoU with tiny_face_detector(416) = ${best.toFixed(3)}`);
    if (best < 0.7) problems.push(`face box ${i} IoU ${best.toFixed(3)}`);
  }

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const results = {};
  for (const cs of ctx.cases) {
    const dir = path.join(OUT_DIR, cs.name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const x = cs.input;
    const outs = await cs.run(x);
    await c.writeNpy(path.join(dir, 'in0.npy'), x);
    const meta = {
      model: cs.model,
      source: cs.source,
      input_shape: x.shape,
      input_name: cs.inputName,
      outputs: [],
      backend,
      tfjs: tf.version.tfjs,
      image: IMAGE,
      crop: cs.crop,
      crop_format: cs.crop ? (cs.source === 'face-api' ? '[x, y, w, h] in the photo (face-api Rect; batch: one per item)' : '[x, y, w, h] square box in the photo (human face box)') : undefined,
      preprocessing: cs.notes,
    };
    const xs = stats(await x.data());
    console.log(`\n${cs.name}  in0 ${JSON.stringify(x.shape)}  ${fmt(xs)}`);
    results[cs.name] = [];
    for (const [i, t] of outs.entries()) {
      const on = cs.outputNames[i];
      const name = typeof on === 'string' ? on : on.name;
      const o = { name, shape: t.shape };
      if (typeof on !== 'string' && on.signature && on.signature !== name) o.signature_name = on.signature;
      meta.outputs.push(o);
      await c.writeNpy(path.join(dir, `out${i}.npy`), t);
      const d = await t.data();
      results[cs.name].push({ shape: t.shape, data: Float32Array.from(d) });
      const s = stats(d);
      console.log(`  out${i} ${JSON.stringify(t.shape)} ${name}${o.signature_name ? ` (${o.signature_name})` : ''}: ${fmt(s)}`);
      if (s.nan || s.zero === s.n || (s.n > 1 && s.min === s.max)) problems.push(`${cs.name} out${i} trivial`);
    }
    fs.writeFileSync(path.join(dir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    if (pngDir) {
      fs.mkdirSync(pngDir, { recursive: true });
      const [B, h, w, ch] = x.shape;
      const data = await x.data();
      const mx = xs.max; const mn = xs.min;
      for (let b = 0; b < B; b++) {
        const rgb = new Float32Array(h * w * 3);
        for (let p = 0; p < h * w; p++) for (let k = 0; k < 3; k++) rgb[3 * p + k] = (data[(b * h * w + p) * ch + (ch === 3 ? k : 0)] - mn) / (mx - mn) * 255;
        c.writePng(path.join(pngDir, `${cs.name}_${b}.png`), rgb, w, h);
      }
    }
    tf.dispose(outs);
  }

  // ---- checks ----
  console.log('\n== checks');
  const r = results;
  if (r.tiny_face_detector) {
    const { shape, data } = r.tiny_face_detector[0];
    const cells = [];
    for (let i = 0; i < shape[1] * shape[2]; i++) for (let a = 0; a < 5; a++) cells.push([sigmoid(data[i * 25 + a * 5 + 4]), Math.floor(i / shape[2]), i % shape[2], a]);
    cells.sort((p, q) => q[0] - p[0]);
    console.log(`tiny_face_detector top scores (sigmoid, row, col, anchor): ${cells.slice(0, 4).map((v) => `${v[0].toFixed(3)}@${v[1]},${v[2]},${v[3]}`).join('  ')}`);
    if (cells[0][0] <= 0.5) problems.push('tiny_face_detector: no cell with score > 0.5');
  }
  if (r.ssd_mobilenetv1) {
    const sc = Array.from(r.ssd_mobilenetv1[1].data).sort((p, q) => q - p);
    console.log(`ssd_mobilenetv1 top scores: ${sc.slice(0, 5).map((v) => v.toFixed(3)).join(' ')}  (> 0.5: ${sc.filter((v) => v > 0.5).length})`);
    if (sc[0] <= 0.5) problems.push('ssd: no score > 0.5');
  }
  for (const name of ['blazeface-front', 'blazeface-back']) {
    if (!r[name]) continue;
    // score logits: the outputs whose last dim is 1 (the others carry 16 box/keypoint values)
    const logits = r[name].filter((o) => o.shape[o.shape.length - 1] === 1).flatMap((o) => Array.from(o.data));
    const s = logits.map(sigmoid).sort((p, q) => q - p);
    console.log(`${name} top anchor scores: ${s.slice(0, 5).map((v) => v.toFixed(3)).join(' ')} (of ${logits.length} anchors; > 0.5: ${s.filter((v) => v > 0.5).length})`);
  }
  if (r.facemesh) {
    const flag = r.facemesh.find((o) => o.shape[o.shape.length - 1] === 1);
    console.log(`facemesh face flag: ${flag.data[0].toFixed(4)}`);
  }
  const desc = (name, b) => { const o = r[name][0]; const n = o.shape[1]; return o.data.slice(b * n, (b + 1) * n); };
  if (r['face_recognition_model-b3']) {
    const d = [0, 1, 2].map((b) => desc('face_recognition_model-b3', b));
    console.log(`face_recognition b3 pairwise L2: 0-1 ${l2(d[0], d[1]).toFixed(3)}  0-2 ${l2(d[0], d[2]).toFixed(3)}  1-2 ${l2(d[1], d[2]).toFixed(3)}  (|d0| ${l2(d[0], d[0].map(() => 0)).toFixed(3)})`);
    if (r.face_recognition_model) console.log(`face_recognition batch-1 vs b3[0] L2: ${l2(desc('face_recognition_model', 0), d[0]).toExponential(2)}`);
    if (Math.min(l2(d[0], d[1]), l2(d[0], d[2]), l2(d[1], d[2])) < 0.3) problems.push('face_recognition: different faces too close');
  }
  if (r['face_landmark_68-b3'] && r.face_landmark_68) {
    console.log(`face_landmark_68 batch-1 vs b3[0] L2: ${l2(desc('face_landmark_68', 0), desc('face_landmark_68-b3', 0)).toExponential(2)}`);
  }
  // Human descriptors of the other two faces (same pre-processing, not written) to show they differ
  for (const [name, S, outIdx] of [['faceres', 224, 1], ['mobileface', 112, 0], ['faceres-deep', 224, 1]]) {
    if (!r[name]) continue;
    const m = await c.loadGraphModel(name);
    const ds = [r[name][outIdx].data];
    for (const fb of FACE_BOXES.slice(1)) {
      const out = tf.tidy(() => {
        const f = cutAndResize(humanFaceBox(fb), ctx.img4, [192, 192]);
        const res = m.execute(tf.mul(tf.image.resizeBilinear(f, [S, S], false), 255));
        return Array.isArray(res) ? res[outIdx] : res;
      });
      ds.push(await out.data()); out.dispose();
    }
    console.log(`${name} descriptor, face 0 vs 1 / 0 vs 2: L2 ${l2(ds[0], ds[1]).toFixed(3)} / ${l2(ds[0], ds[2]).toFixed(3)}, cosine ${cos(ds[0], ds[1]).toFixed(3)} / ${cos(ds[0], ds[2]).toFixed(3)}`);
  }

  let total = 0;
  for (const d of fs.readdirSync(OUT_DIR)) {
    const p = path.join(OUT_DIR, d);
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) total += fs.statSync(path.join(p, f)).size;
  }
  console.log(`\ntotal size of ${path.relative(process.cwd(), OUT_DIR)}: ${(total / 1e6).toFixed(2)} MB; backend ${backend}`);
  if (problems.length) { console.log(`PROBLEMS:\n  ${problems.join('\n  ')}`); process.exitCode = 1; } else console.log('all checks passed');
}

main().catch((e) => { console.error(e); process.exit(1); });
