#!/usr/bin/env node

// Loads the bundled CLI through V8's code cache when it matches this Node.
// Shell completion (`__complete`) has a bundle of its own that carries the
// command tree and loads the client only for live candidates.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { wrap, createRequire } = require('node:module');

const name = process.argv[2] === '__complete' ? 'complete.js' : 'etcdctl-ts.js';
const file = path.join(__dirname, '..', 'dist', name);
let cachedData;
try {
  cachedData = fs.readFileSync(file.replace(/\.js$/, '.cache'));
} catch {
  cachedData = undefined;
}
const script = new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));
// Build step (scripts/build.mjs): after a representative run, save the code
// cache with every function that run compiled, not just the top level.
if (process.env.ETCDCTL_TS_WARM_CACHE === file) process.on('exit', () => fs.writeFileSync(file.replace(/\.js$/, '.cache'), script.createCachedData()));
