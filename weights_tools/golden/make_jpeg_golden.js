#!/usr/bin/env node
'use strict';
// JPEG decoder goldens: what jpeg-js (the decoder under face-api's and Human's Node pipelines, pinned in
// package-lock.json) makes of each test JPEG, as the SHA-256 of its RGB bytes (formatAsRGBA false), or the
// error it throws. lfr's decoder (src/image/jpeg.cpp) must give the same bytes: tests/test_jpeg.cpp.
//
//   cd weights_tools/golden && node make_jpeg_golden.js      # writes tests/golden/jpeg/pixels.json
//
// Inputs: every tests/golden/jpeg/*.jpg (small variants cut from face-api's sample1.jpg, see the README
// there) and face-api's six demo photos (.cache/packages/face-api/package/demo/sampleN.jpg).
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const jpeg = require('jpeg-js');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const JPEG_DIR = path.join(REPO_ROOT, 'tests', 'golden', 'jpeg');
const DEMO_DIR = path.join(REPO_ROOT, '.cache', 'packages', 'face-api', 'package', 'demo');

function describe(file) {
  try {
    const img = jpeg.decode(fs.readFileSync(file), { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 2048 });
    return { width: img.width, height: img.height, sha256: crypto.createHash('sha256').update(img.data).digest('hex') };
  } catch (e) {
    return { error: e.message };
  }
}

const variants = fs.readdirSync(JPEG_DIR).filter((f) => f.endsWith('.jpg')).sort();
if (!fs.existsSync(DEMO_DIR)) throw new Error(`${DEMO_DIR} is missing: run scripts/setup.sh first`);
const demo = [1, 2, 3, 4, 5, 6].map((n) => `sample${n}.jpg`);
const out = {
  decoder: `jpeg-js ${require('jpeg-js/package.json').version}, decode(bytes, {useTArray: true, formatAsRGBA: false}): RGB bytes`,
  files: variants.map((f) => ({ file: f, ...describe(path.join(JPEG_DIR, f)) })),
  face_api_demo: demo.map((f) => ({ file: f, ...describe(path.join(DEMO_DIR, f)) })),
};
for (const e of [...out.files, ...out.face_api_demo]) console.log(e.file.padEnd(16), e.error ? `error: ${e.error}` : `${e.width}x${e.height} ${e.sha256.slice(0, 16)}`);
fs.writeFileSync(path.join(JPEG_DIR, 'pixels.json'), `${JSON.stringify(out, null, 1)}\n`);
