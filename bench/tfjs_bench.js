#!/usr/bin/env node
'use strict';
// Reference timings: each golden model on the TF.js wasm backend (XNNPACK, SIMD) with ONE thread, batch 1,
// on the same input as its golden (tests/golden/<name>/in0.npy, built by weights_tools/golden/cases.js).
// 5 warm-up runs, then 30 timed runs (output read back each run); prints `model  median_ms` and writes nothing.
//
//   (cd weights_tools/golden && npm ci) && node bench/tfjs_bench.js [--runs N] [--only a,b]

const path = require('path');

const golden = path.join(__dirname, '..', 'weights_tools', 'golden');
const c = require(path.join(golden, 'common.js'));
const { buildCases } = require(path.join(golden, 'cases.js'));

const { tf } = c;
const arg = (n) => { const i = process.argv.indexOf(n); return i > 0 ? process.argv[i + 1] : undefined; };

async function main() {
  const runs = Number(arg('--runs') || 30);
  const warm = 5;
  const backend = await c.initTf({ threads: 1 });
  const only = arg('--only') ? arg('--only').split(',') : undefined;
  const { cases } = await buildCases({ only });
  const rows = [];
  for (const cs of cases) {
    if (/-b\d+$/.test(cs.name)) continue; // batch 1 only
    // iris golden is batch 2 (both eyes, as Human runs it); time one eye
    const x = cs.input.shape[0] === 1 ? cs.input : tf.slice(cs.input, [0, 0, 0, 0], [1, -1, -1, -1]);
    const once = async () => {
      const outs = await cs.run(x);
      for (const o of outs) await o.data();
      tf.dispose(outs);
    };
    for (let i = 0; i < warm; i++) await once();
    const t = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await once();
      t.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    t.sort((a, b) => a - b);
    const med = t.length % 2 ? t[(t.length - 1) / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    rows.push([`${cs.name} ${JSON.stringify(x.shape)}`, med]);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  console.log(`# tfjs ${tf.version.tfjs} backend ${backend}, threads ${backend === 'wasm' ? c.wasm.getThreadsCount() : 1}, batch 1, ${warm} warm-up + ${runs} runs`);
  console.log(`${'model'.padEnd(w)}  median_ms`);
  for (const [n, m] of rows) console.log(`${n.padEnd(w)}  ${m.toFixed(2).padStart(9)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
