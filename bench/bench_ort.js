#!/usr/bin/env node
'use strict';
// lfr against ONNX Runtime (CPU, MLAS) on the same network, weights and input: each .lfr model is
// exported with lfr_export, then timed in rounds that alternate the two engines (bench_one in its
// own process, ORT here), so both see the same machine load. Median ms per engine over the rounds'
// medians, and the median of the rounds' lfr/ORT ratios; also the largest |lfr - ORT| over all outputs. Run it through bench/bench_ort.sh, which
// installs ORT and builds the tools.
//
//   node bench/bench_ort.js [--rounds 5] [--runs 20] [--threads 1,2] [--only a,b] [--tfjs]
//
// --tfjs: also TF.js 4.22 (wasm, XNNPACK, 1 thread; weights_tools/golden's install) in the same
// rounds, for the models it runs (weights_tools/golden/cases.js: face-api's and Human's).

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const arg = (n, d) => { const i = process.argv.indexOf(n); return i > 0 ? process.argv[i + 1] : d; };
const build = path.resolve(process.env.LFR_BUILD_DIR || path.join(root, 'build'));
const work = path.resolve(process.env.LFR_BENCH_DIR || path.join(root, '.cache', 'bench'));
const ort = require(path.join(work, 'node_modules', 'onnxruntime-node'));

// name, input: the golden input's item 0, or [H, W] for a made-up image (tiny_face_detector at 416).
const MODELS = [
  ['face_recognition_model'], ['tiny_face_detector', [416, 416]], ['blazeface-back'], ['face_landmark_68'],
  ['faceres'], ['mobilefacenet'], ['mtcnn-pnet'], ['mtcnn-rnet'], ['mtcnn-onet'], ['ultralight'],
  ['blazeface-full'], ['ssd_mobilenetv1'],
];

// --- .npy (little-endian float32, C order), as lfr/core/npy.h reads and writes it ---
function readNpy(file) {
  const b = fs.readFileSync(file);
  const v1 = b[6] === 1, len = v1 ? b.readUInt16LE(8) : b.readUInt32LE(8), at = v1 ? 10 : 12;
  const header = b.toString('latin1', at, at + len);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True")) throw new Error(`${file}: not a C-order float32 .npy`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + at + len, b.byteOffset + b.length));
  return { shape, data };
}
function writeNpy(file, { shape, data }) {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  h += ' '.repeat(63 - ((10 + h.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1, head[7] = 0, head.writeUInt16LE(h.length, 8);
  fs.writeFileSync(file, Buffer.concat([head, Buffer.from(h, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

// The first `batch` items of the golden input, or a fixed pattern image in 0..255.
function input(name, size, batch) {
  if (size) {
    const [h, w] = size, data = new Float32Array(h * w * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 37 + Math.floor(i / 1999) * 11) % 256;
    return { shape: [1, h, w, 3], data };
  }
  const x = readNpy(path.join(root, 'tests', 'golden', name, 'in0.npy'));
  const per = x.data.length / x.shape[0];
  return { shape: [batch, ...x.shape.slice(1)], data: x.data.slice(0, per * batch) };
}

const median = (t) => { const s = [...t].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const tool = (dir, name) => path.join(build, dir, name);

// lfr: one bench_one process per round; null when lfr cannot run at this thread count (yet).
function lfrMs(model, npy, threads, runs) {
  try {
    const out = execFileSync(tool('bench', 'bench_one'), [model, npy, '--runs', String(runs), '--threads', String(threads)], { encoding: 'utf8' });
    return Number(out.match(/median_ms (\S+)/)[1]);
  } catch (e) {
    if (e.status === 3) return null;
    throw e;
  }
}

async function ortMs(session, feeds, runs) {
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

async function loadTfjs(names) {
  const golden = path.join(root, 'weights_tools', 'golden');
  const c = require(path.join(golden, 'common.js'));
  const backend = await c.initTf({ threads: 1 });
  const { cases } = await require(path.join(golden, 'cases.js')).buildCases({ only: names });
  const run = new Map(cases.map((cs) => [cs.name, cs.run]));
  const fa = c.loadFaceApi();  // its case runs at 224; here at the input's own size
  run.set('tiny_face_detector', async (x) => [fa.nets.tinyFaceDetector.forwardInput(await fa.toNetInput(x), x.shape[1])]);
  return { tf: c.tf, backend, run };
}

async function tfjsMs({ tf }, run, x, runs) {
  const once = async () => {  // outputs read back, as tfjs_bench.js times it
    const outs = await run(x);
    for (const o of outs) await o.data();
    tf.dispose(outs);
  };
  for (let i = 0; i < 3; i++) await once();
  const t = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await once();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(t);
}

async function main() {
  const rounds = Number(arg('--rounds', 5)), runs = Number(arg('--runs', 20));
  const threadCounts = arg('--threads', '1,2').split(',').map(Number);
  const only = arg('--only') ? arg('--only').split(',') : null;
  const tfjs = process.argv.includes('--tfjs') ? await loadTfjs(MODELS.map(([n]) => n).filter((n) => !only || only.includes(n))) : null;
  fs.mkdirSync(path.join(work, 'onnx'), { recursive: true });
  const rows = [];
  for (const [name, size] of MODELS) {
    if (only && !only.includes(name)) continue;
    const lfr = path.join(root, 'models', `${name}.lfr`), onnx = path.join(work, 'onnx', `${name}.onnx`);
    const npy = path.join(work, 'onnx', `${name}.in.npy`), outDir = path.join(work, 'onnx', `${name}.lfr-out`);
    // batch 1, unless the model fixes another (mobilefacenet: 2)
    const [, inName, batch] = execFileSync(tool('weights_tools', 'lfr_inspect'), [lfr], { encoding: 'utf8' }).match(/^inputs: in:([^[\s]+)\[(-?\d+)/m);
    const x = input(name, size, Math.max(1, Number(batch)));
    writeNpy(npy, x);
    try {
      execFileSync(tool('weights_tools', 'lfr_export'), ['onnx', lfr, onnx, '--input-shape', `${inName}=${x.shape.join(',')}`], { stdio: 'pipe' });
    } catch (e) {
      rows.push({ name, shape: x.shape, error: String(e.stderr).trim() });
      console.error(`${name}: export failed: ${String(e.stderr).trim()}`);
      continue;
    }
    const feeds = { [inName]: new ort.Tensor('float32', x.data, x.shape) };
    // Agreement: every output of ORT against lfr's.
    fs.mkdirSync(outDir, { recursive: true });
    execFileSync(tool('bench', 'bench_one'), [lfr, npy, '--runs', '1', '--save', outDir]);
    const sessions = {};
    for (const t of threadCounts)
      sessions[t] = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'all', intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential' });
    const res = await sessions[threadCounts[0]].run(feeds);
    let diff = 0, scale = 1;  // max |lfr - ORT|, and the largest |lfr| it compares with
    sessions[threadCounts[0]].outputNames.forEach((o, i) => {
      const ref = readNpy(path.join(outDir, `out${i}.npy`)).data, got = res[o].data;
      if (ref.length !== got.length) throw new Error(`${name}: output ${o} has ${got.length} values, lfr's ${ref.length}`);
      for (let k = 0; k < ref.length; k++) diff = Math.max(diff, Math.abs(ref[k] - got[k])), scale = Math.max(scale, Math.abs(ref[k]));
    });
    const row = { name, shape: x.shape, diff, scale, ms: {} };
    const tfRun = tfjs && tfjs.run.get(name), tfX = tfRun && tfjs.tf.tensor(x.data, x.shape);
    for (const t of threadCounts) {
      const l = [], o = [], w = [];
      for (let r = 0; r < rounds; r++) {  // alternate which engine goes first
        if (r % 2) o.push(await ortMs(sessions[t], feeds, runs));
        l.push(lfrMs(lfr, npy, t, runs));
        if (!(r % 2)) o.push(await ortMs(sessions[t], feeds, runs));
        if (tfRun && t === 1) w.push(await tfjsMs(tfjs, tfRun, tfX, runs));
      }
      // Ratios per round (the two engines seconds apart), then their median: the machine's
      // load changes from one round to the next more than within one.
      const ratio = (a, b) => (a.includes(null) || !b.length ? null : median(a.map((v, i) => v / b[i])));
      row.ms[t] = { lfr: l.includes(null) ? null : median(l), ort: median(o), tfjs: w.length ? median(w) : null, vsOrt: ratio(l, o), vsTfjs: ratio(l, w) };
    }
    if (tfX) tfX.dispose();
    rows.push(row);
    console.error(`${name}: done`);
  }
  print(rows, threadCounts, rounds, runs, tfjs);
}

function print(rows, threadCounts, rounds, runs, tfjs) {
  const f = (v) => (v == null ? '—' : v.toFixed(2));
  const head = ['model', 'input'];
  for (const t of threadCounts) head.push(`lfr ${t}t`, `ORT ${t}t`, `lfr/ORT ${t}t`);
  if (tfjs) head.push(`TF.js ${tfjs.backend} 1t`, 'lfr/TF.js 1t');
  head.push('max abs diff (max |out|)');
  console.log(`# ONNX Runtime ${require(path.join(work, 'node_modules', 'onnxruntime-node', 'package.json')).version} (CPU, graph optimization all), ` +
    `${rounds} interleaved rounds of ${runs} runs, median ms, ratios: median of the rounds' ratios, batch 1 unless said`);
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => '---').join('|')}|`);
  for (const r of rows) {
    const cells = [r.name, r.shape.slice(1, 3).join('x') + (r.shape[0] > 1 ? `, batch ${r.shape[0]}` : '')];
    if (r.error) cells.push(`export failed: ${r.error}`);
    else {
      for (const t of threadCounts) {
        const { lfr, ort: o, vsOrt } = r.ms[t];
        cells.push(f(lfr), f(o), f(vsOrt));
      }
      if (tfjs) {
        const { tfjs: w, vsTfjs } = r.ms[threadCounts[0]];
        cells.push(f(w), f(vsTfjs));
      }
      cells.push(`${r.diff.toExponential(1)} (${r.scale.toPrecision(3)})`);
    }
    console.log(`| ${cells.join(' | ')} |`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
