/**
 * The transition table is the only gate: outside machine/, no after-sale
 * status literal, refund-record status literal or list of roles decides who
 * may do what. This reads the sources of cloudfunctions/core and fails on a
 * restated fact, so a rule cannot quietly move back onto a path.
 *
 * Allowed, each for a reason given below: type declarations (policy/types.ts,
 * app/model.ts), the input schema's enum of statuses (schemas/), the view's
 * display wording (app/view.ts: which hint to show, never whether an action is
 * allowed), the refund-record executor app/refunds.ts (every status it writes
 * is checked against machine/refundRecords.ts REFUND_MOVES), the pay adapter
 * app/pay/ (WeChat Pay's own status words), the order's own statuses
 * (eligibility rule 1 reads order.status === 'CANCELLED', an order status).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ALL_STATUSES } from '../../cloudfunctions/core/machine/statuses';
import { REFUND_STATUSES } from '../../cloudfunctions/core/machine/refundRecords';

const ROOT = join(__dirname, '../../cloudfunctions/core');
const ALLOWED = new Set(['policy/types.ts', 'app/model.ts', 'app/view.ts', 'app/refunds.ts', 'policy/eligibility/rules/paidAndOwner.ts']);
const ALLOWED_DIRS = ['machine/', 'schemas/', 'app/pay/'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const sources = files(ROOT)
  .map((p) => ({ rel: relative(ROOT, p).split('\\').join('/'), text: readFileSync(p, 'utf8') }))
  .filter((f) => !ALLOWED.has(f.rel) && !ALLOWED_DIRS.some((d) => f.rel.startsWith(d)));

/** Source without comments (a rule explained in a comment is fine). */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

describe('one gate: facts of the tables are read from machine/, never restated', () => {
  it('scans a real tree', () => {
    expect(sources.length).toBeGreaterThan(30);
    expect(sources.map((s) => s.rel)).toContain('usecases/reviewReturn.ts');
  });

  it('no after-sale status literal outside machine/', () => {
    const re = new RegExp(`'(${ALL_STATUSES.join('|')})'`, 'g');
    const found = sources.flatMap((f) => [...code(f.text).matchAll(re)].map((m) => `${f.rel}: ${m[0]}`));
    expect(found).toEqual([]);
  });

  it('no refund-record status compared outside machine/ and the record executor', () => {
    const names = Object.keys(REFUND_STATUSES).join('|');
    const re = new RegExp(`status\\s*[!=]==?\\s*'(${names})'|_\\.in\\(\\[\\s*'(${names})'`, 'g');
    const found = sources.flatMap((f) => [...code(f.text).matchAll(re)].map((m) => `${f.rel}: ${m[0]}`));
    // notify.ts compares the status of a notification (its own outbox), not of a refund record.
    expect(found.filter((x) => !x.startsWith('app/notify.ts'))).toEqual([]);
  });

  it('no list of roles outside machine/ (callers are matched against the rows: rolesFor, STAFF_ROLES)', () => {
    const re = /\[\s*'(MERCHANT|ARBITER|ADMIN)'\s*,\s*'(MERCHANT|ARBITER|ADMIN)'[^\]]*\]/g;
    const found = sources.flatMap((f) => [...code(f.text).matchAll(re)].map((m) => `${f.rel}: ${m[0]}`));
    expect(found).toEqual([]);
  });

  it('the checker can fail: it finds a restated status and a role list in a sample', () => {
    const sample = "if (ret.status === 'REJECTED') allow(['MERCHANT', 'ADMIN']);";
    expect([...code(sample).matchAll(new RegExp(`'(${ALL_STATUSES.join('|')})'`, 'g'))]).toHaveLength(1);
    expect([...code(sample).matchAll(/\[\s*'(MERCHANT|ARBITER|ADMIN)'\s*,\s*'(MERCHANT|ARBITER|ADMIN)'[^\]]*\]/g)]).toHaveLength(1);
  });
});
