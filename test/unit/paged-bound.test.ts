// Where a paged read guesses the next page ends (nextBound): always past
// the page it learnt from, and near `want` keys on when keys are regular.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextBound } from '../../src/client/paged.js';

const keys = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => Buffer.from(make(i)));
// Every 16th key of a page, with its first and last, as the pager samples.
const sample = (page: Buffer[]) => Array.from({ length: 32 }, (_, i) => page[Math.floor((i * (page.length - 1)) / 31)]!);
const below = (all: Buffer[], bound: Buffer) => all.filter((k) => Buffer.compare(k, bound) < 0).length;

test('decimal keys: the guess lands about `want` keys on, across a carry', () => {
  const all = keys(300000, (i) => `/h/${String(i).padStart(7, '0')}`);
  for (const [from, n, want] of [
    [0, 64, 20000],
    [64, 20000, 20000],
    [90000, 5000, 20000],
    [150000, 60000, 40000],
  ] as const) {
    const page = all.slice(from, from + n);
    const bound = nextBound(sample(page), n, want)!;
    assert.ok(Buffer.compare(bound, page.at(-1)!) > 0, `${bound} after the page`);
    const ahead = below(all, bound) - (from + n);
    assert.ok(ahead >= want / 2 && ahead <= want * 2, `page ${from}+${n}: ${ahead} keys ahead for ${want}`);
  }
});

test('names of letters and digits: within a factor of two', () => {
  const name = (i: number) =>
    `/registry/pods/ns-${String(Math.floor(i / 1000)).padStart(2, '0')}/web-${((i * 2654435761) % 2 ** 32).toString(36).padStart(7, '0')}`;
  const all = keys(20000, name).sort(Buffer.compare);
  const page = all.slice(5000, 5500);
  const ahead = below(all, nextBound(sample(page), page.length, 500)!) - 5500;
  assert.ok(ahead >= 250 && ahead <= 1000, `${ahead} keys ahead for 500`);
});

test('any bytes: the guess is past the last key or there is none', () => {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 256;
  };
  for (let round = 0; round < 500; round++) {
    const page = Array.from({ length: 2 + (round % 40) }, () => Buffer.from(Array.from({ length: 1 + (rand() % 9) }, rand))).sort(Buffer.compare);
    const bound = nextBound(sample(page), page.length, 1 + rand() * 100);
    if (bound) assert.ok(Buffer.compare(bound, page.at(-1)!) > 0, `${bound.toString('hex')} after ${page.at(-1)!.toString('hex')}`);
  }
});

test('nothing to learn from, or a step past every key: no bound', () => {
  assert.equal(nextBound([Buffer.from('a')], 1, 100), undefined);
  assert.equal(nextBound([Buffer.from('a'), Buffer.from('a')], 2, 100), undefined);
  assert.equal(nextBound([Buffer.from([0xfe]), Buffer.from([0xff])], 2, 1e9), undefined);
});
