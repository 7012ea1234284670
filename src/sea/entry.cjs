'use strict';
// Main script of the single executable (npm run package): runs the CLI bundle,
// or the completion bundle for `__complete`, from the executable's own assets
// through the V8 code cache the build warmed, as bin/etcdctl-ts.js does from
// dist/. The bundles need only Node's builtins, which this require provides.
const sea = require('node:sea');
const vm = require('node:vm');
const { wrap } = require('node:module');

const name = process.argv[2] === '__complete' ? 'complete' : 'etcdctl-ts';
const source = sea.getAsset(`${name}.js`, 'utf8');
const cachedData = Buffer.from(sea.getAsset(`${name}.cache`));
const script = new vm.Script(wrap(source), { filename: `${name}.js`, cachedData });
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, process.execPath, process.execPath);
if (process.env.ETCDCTL_TS_SEA_DEBUG) process.stderr.write(`code cache ${script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
