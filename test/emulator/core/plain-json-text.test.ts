/** plainJsonText (scripts/emulator/db/ejson.ts) is JSON.stringify(toPlainJson(v)) without the copy. */
import fc from 'fast-check';
import { plainJsonText, toPlainJson } from '../../../scripts/emulator/db/ejson';

const same = (v: unknown) => expect(plainJsonText(v)).toBe(JSON.stringify(toPlainJson(v)));

describe('plainJsonText', () => {
  it('answers as toPlainJson for dates, invalid dates, regular expressions, buffers and objects whose class has a toJSON', () => {
    same({ at: new Date('2026-12-06T10:00:00Z'), bad: new Date(Number.NaN), re: /a+b/gi, buf: Buffer.from([1, 2, 3]) });
    same([new Date(0), [/x/, { y: Buffer.from('hi') }], null, 'text', 3.5, true]);
    class Wrapped {
      constructor(readonly keep: number) {}
      toJSON() {
        return 'not what toPlainJson writes';
      }
    }
    same({ custom: new Wrapped(1) });
    same(new Date('2026-01-01T00:00:00Z'));
    same({ nested: { deeper: { list: [{ d: new Date(86_400_000) }] } }, undef: undefined });
    // found however deep (the fast path is taken only when nothing anywhere needs the replacer)
    same({ a: [{ b: [1, { c: [/deep/m] }] }], d: new Date(0) });
    same([[[{ buf: Buffer.from('x') }]]]);
  });

  it('answers as toPlainJson for any stored-looking document', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.date({ noInvalidDate: true }));
    const doc = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(doc, (v) => same(v)),
      { numRuns: 500, seed: 20261206 },
    );
  });
});
