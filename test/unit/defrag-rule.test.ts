// --defrag-rule's own parser: values, precedence, units, and errors that
// point at the token.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRule, RuleError, type Variables } from '../../src/defrag/rule.js';

const v: Variables = { dbSize: 300 * 1024 ** 2, dbSizeInUse: 100 * 1024 ** 2, dbSizeFree: 200 * 1024 ** 2, dbQuota: 2 * 1024 ** 3, dbQuotaUsage: 300 / 2048 };

test('conditions over the sizes', () => {
  const holds = (r: string) => parseRule(r).test(v);
  assert.equal(holds('dbSizeFree > 100MiB'), true);
  assert.equal(holds('dbSizeFree > 1GiB'), false);
  assert.equal(holds('dbSize - dbSizeInUse == dbSizeFree'), true);
  assert.equal(holds('dbSizeInUse * 2 + 100MiB <= dbSize && dbQuotaUsage < 0.5'), true);
  assert.equal(holds('!(dbSize > 1KiB) || dbQuota / 2 == 1GiB'), true);
  assert.equal(holds('dbSize > 1 || dbSize > 2 && dbSize < 0'), true, '&& binds tighter than ||');
  assert.equal(holds('-dbSize < 0 && 2 * 3 + 1 == 7 && 2 + 3 * 2 == 8'), true);
  assert.equal(holds('dbQuotaUsage >= 0.9'), false);
  // The README's spacing: a unit after a space.
  assert.equal(holds('dbSize > 10 MiB && dbSizeFree >= 200 MiB'), true);
  assert.equal(holds(`${'('.repeat(30)}dbSize > 1${')'.repeat(30)}`), true);
});

test('a divisor that is 0 on a member is an error, not a silent answer', () => {
  assert.throws(
    () => parseRule('dbSize / dbQuota > 1').test({ ...v, dbQuota: 0 }),
    (e: unknown) => e instanceof RuleError && e.reason === 'division by zero on this member (dbQuota is 0)',
  );
});

test('errors name the problem and where it is', () => {
  const err = (r: string) => {
    try {
      parseRule(r);
    } catch (e) {
      assert.ok(e instanceof RuleError);
      return [e.reason, e.column];
    }
    return assert.fail(`${r} parsed`);
  };
  assert.deepEqual(err('dbSize >'), ['expected a number, a name or "(", but the rule ends', 8]);
  assert.deepEqual(err('dbSize > 10 )'), ['expected an operator, found ")"', 12]);
  assert.deepEqual(err('dbsize > 1'), ['unknown name "dbsize" (known: dbSize, dbSizeInUse, dbSizeFree, dbQuota, dbQuotaUsage)', 0]);
  assert.deepEqual(err('dbSize > 10MB'), ['unknown unit "MB" (use KiB, MiB, GiB or TiB)', 11]);
  assert.deepEqual(err('dbSize > 10 MB'), ['unknown unit "MB" (use KiB, MiB, GiB or TiB)', 12]);
  assert.deepEqual(err('dbSize / 0 > 1'), ['division by zero', 7]);
  assert.deepEqual(err(`${'('.repeat(10000)}dbSize > 1${')'.repeat(10000)}`), ['the rule nests more than 64 levels of parentheses and operators', 64]);
  assert.deepEqual(err(`${'!'.repeat(10000)}(dbSize > 1)`), ['the rule nests more than 64 levels of parentheses and operators', 64]);
  assert.deepEqual(err('dbSize + 1'), ['the rule must be a condition (a comparison, or conditions joined by && and ||)', 0]);
  assert.deepEqual(err('(dbSize > 1) + 2 > 1'), ['"+" needs a number', 8]);
  assert.deepEqual(err('dbSize > 1 ; 2'), ['unexpected ";"', 11]);
  assert.match(new RuleError('x', 'ab cd', 3).message, /^x at column 4\n {2}ab cd\n {5}\^$/);
});
