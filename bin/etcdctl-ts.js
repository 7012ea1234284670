#!/usr/bin/env node
'use strict';
// Loads the bundled CLI through V8's code cache when it matches this Node.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { wrap, createRequire } = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'etcdctl-ts.js');
let cachedData;
try {
  cachedData = fs.readFileSync(file.replace(/\.js$/, '.cache'));
} catch {
  cachedData = undefined;
}
const script = new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));
