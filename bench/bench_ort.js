#!/usr/bin/env node
'use strict';
// lfr against ONNX Runtime (CPU, MLAS) on the same network, weights and input: each .lfr model is
// exported with lfr_export, then timed in rounds that alternate the two engines (bench_one in its
// own process, ORT here), so both see the same machine load. Median ms per engine over the rounds'
// medians, and the median of the rounds' lfr/ORT ratios; also the largest |lfr - ORT| over all outputs. Run it through bench/bench_ort.sh, which
// installs ORT and builds the tools.
//
// With one thread among --threads, each engine's speed is also given as a share of one core's FMA peak
// (bench_ops --peak; the model's multiply-adds from bench_cost), and "lfr/ORT at peak" is the lowest
// ratio lfr could reach: the model's FLOPs at 100% of the peak against ORT's measured time.
//
//   node bench/bench_ort.js [--rounds 5] [--runs 20] [--threads 1,2] [--only a,b] [--tfjs] [--profile]
//
// --profile: also, per model, a table of its layers on one thread: lfr's time per node (bench_one
// --profile) beside ORT's (its own profiler), matched by layer shape, to show where each is faster.
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

// One core's FMA peak in GFLOP/s at the best ISA level (0 where bench_ops has no probe for it), and
// a model's FLOPs (2 per multiply-add of its convolutions and matmuls) on an input.
const peakGflops = () => Number(execFileSync(tool('bench', 'bench_ops'), ['--peak'], { encoding: 'utf8' }).match(/peak_gflops (\S+)/)[1]);
const modelGflop = (model, npy) =>
  2e-9 * Number(execFileSync(tool('bench', 'bench_cost'), [model, npy], { encoding: 'utf8' }).match(/ macs (\d+)/)[1]);

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

// --- --profile: per layer, lfr's time (bench_one --profile) beside ORT's (its profiler) ---

// One layer's name from its shapes, the same for both engines: lfr's are NHWC with HWIO weights,
// ORT's NCHW with OIHW weights (depthwise: one input channel per group). ORT reports the channels of
// its blocked layout (24 as 32), so the key rounds channels up to 16s; the label keeps lfr's.
const layerName = (kind, k, x, y) => `${kind} ${k} ${x.join('x')} -> ${y.join('x')}`;
const c16 = (c) => Math.ceil(c / 16) * 16;
function lfrLayer(op, x, w, y) {
  if (op === 'MatMul') {
    const name = layerName('matmul', '', [x.slice(0, -1).reduce((a, b) => a * b, 1), x[x.length - 1]], [w[1]]);
    return { key: name, name };
  }
  const kind = op === 'DepthwiseConv2D' ? 'dw' : op === 'Conv2D' ? 'conv' : op, k = `${w[0]}x${w[1]}`;
  return { key: layerName(kind, k, [x[0], x[1], x[2], c16(x[3])], [y[1], y[2], c16(y[3])]),
           name: layerName(kind, k, [x[0], x[1], x[2], x[3]], [y[1], y[2], y[3]]) };
}
function ortLayer(op, ins, out) {
  if (op === 'Gemm' || op === 'MatMul') return layerName('matmul', '', ins[0], [out[out.length - 1]]);
  if (!op.includes('Conv') || ins.length < 2) return null;
  const [x, w] = ins, dw = w[1] === 1 && x[1] > 1;  // [N,C,H,W], [Co, C/group, KH, KW]
  return layerName(dw ? 'dw' : 'conv', `${w[2]}x${w[3]}`, [x[0], x[2], x[3], c16(x[1])], [out[2], out[3], c16(out[1])]);
}

// lfr: layer key -> { name, n, mflop, ms (sum of its nodes' means), folded (nodes that read 0) }.
function lfrLayers(model, npy, runs) {
  const out = execFileSync(tool('bench', 'bench_one'), [model, npy, '--runs', String(runs), '--threads', '1', '--profile'], { encoding: 'utf8' });
  const layers = new Map(), shape = (s) => JSON.parse(s);
  for (const m of out.matchAll(/^node (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$/gm)) {
    const { key, name } = lfrLayer(m[1], shape(m[2]), shape(m[3]), shape(m[4]));
    const l = layers.get(key) || { name, n: 0, mflop: 0, ms: 0, folded: 0 };
    l.n++, l.mflop += Number(m[5]), l.ms += Number(m[6]), l.folded += Number(m[6]) === 0;
    layers.set(key, l);
  }
  return layers;
}

// ORT: layer -> ms (sum of its nodes' medians over `runs` profiled runs, one thread).
async function ortLayers(onnx, feeds, runs) {
  const prefix = path.join(work, 'onnx', 'ort-profile');
  const session = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1,
    executionMode: 'sequential', enableProfiling: true, profileFilePrefix: prefix });
  for (let i = 0; i < runs + 3; i++) await session.run(feeds);
  session.endProfiling();
  const dir = path.dirname(prefix), file = fs.readdirSync(dir).filter((f) => f.startsWith('ort-profile') && f.endsWith('.json')).sort().pop();
  const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  for (const f of fs.readdirSync(dir)) if (f.startsWith('ort-profile')) fs.unlinkSync(path.join(dir, f));
  const perNode = new Map();  // node name -> { key, us: [] }
  const shapes = (list) => (list || []).map((t) => Object.values(t)[0]);
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const key = ortLayer(e.args.op_name, shapes(e.args.input_type_shape), shapes(e.args.output_type_shape)[0] || []);
    if (!key) continue;
    const n = perNode.get(e.name) || { key, us: [] };
    n.us.push(e.dur);
    perNode.set(e.name, n);
  }
  const layers = new Map();
  for (const { key, us } of perNode.values()) layers.set(key, (layers.get(key) || 0) + median(us.slice(3)) / 1e3);
  return layers;
}

function printProfile(name, lfr, ortMap) {
  const f = (v, d = 3) => (v == null ? '—' : v.toFixed(d));
  console.log(`\n${name}, one thread, ms per run by layer (lfr: bench_one --profile, a node's time includes what was folded into it; ORT: its profiler, its Reorder nodes and the ops it did not fuse left out)`);
  console.log('| layer | nodes | MFLOP | lfr ms | ORT ms | lfr/ORT | lfr GFLOP/s | ORT GFLOP/s |\n|---|---|---|---|---|---|---|---|');
  const rows = [...lfr.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let sumL = 0, sumO = 0;
  for (const [key, l] of rows) {
    const o = ortMap.get(key);
    sumO += o || 0;
    if (l.folded === l.n) {
      console.log(`| ${l.name} | ${l.n} | ${f(l.mflop, 1)} | folded | ${f(o)} | — | — | — |`);
      continue;
    }
    sumL += l.ms;
    console.log(`| ${l.name} | ${l.n} | ${f(l.mflop, 1)} | ${f(l.ms)} | ${f(o)} | ${o ? f(l.ms / o, 2) : '—'} | ` +
      `${f(l.mflop / l.ms, 0)} | ${o ? f(l.mflop / o, 0) : '—'} |`);
  }
  console.log(`| all listed | | | ${f(sumL)} | ${f(sumO)} | ${sumO ? f(sumL / sumO, 2) : '—'} | | |`);
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
  const only = arg('--only') ? arg('--only').split(',') : null, profile = process.argv.includes('--profile');
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
    const row = { name, shape: x.shape, diff, scale, ms: {}, gflop: modelGflop(lfr, npy) };
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
    if (profile) row.profile = { lfr: lfrLayers(lfr, npy, runs), ort: await ortLayers(onnx, feeds, runs) };
    rows.push(row);
    console.error(`${name}: done`);
  }
  print(rows, threadCounts, rounds, runs, tfjs, threadCounts.includes(1) ? peakGflops() : 0);
  for (const r of rows) if (r.profile) printProfile(r.name, r.profile.lfr, r.profile.ort);
}

function print(rows, threadCounts, rounds, runs, tfjs, peak) {
  const f = (v) => (v == null ? '—' : v.toFixed(2));
  const pct = (gflop, ms) => (ms == null ? '—' : `${Math.round((100 * gflop) / (ms * 1e-3) / peak)}%`);
  const head = ['model', 'input'];
  for (const t of threadCounts) head.push(`lfr ${t}t`, `ORT ${t}t`, `lfr/ORT ${t}t`);
  if (peak) head.push('GFLOP', 'lfr 1t of peak', 'ORT 1t of peak', 'lfr/ORT at peak');
  if (tfjs) head.push(`TF.js ${tfjs.backend} 1t`, 'lfr/TF.js 1t');
  head.push('max abs diff (max |out|)');
  console.log(`# ONNX Runtime ${require(path.join(work, 'node_modules', 'onnxruntime-node', 'package.json')).version} (CPU, graph optimization all), ` +
    `${rounds} interleaved rounds of ${runs} runs, median ms, ratios: median of the rounds' ratios, batch 1 unless said` +
    (peak ? `; one core's FMA peak ${peak.toFixed(0)} GFLOP/s (bench_ops --peak)` : ''));
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
      if (peak) {
        const { lfr, ort: o } = r.ms[1];
        cells.push(r.gflop.toFixed(3), pct(r.gflop, lfr), pct(r.gflop, o), f((r.gflop / peak) * 1e3 / o));
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
