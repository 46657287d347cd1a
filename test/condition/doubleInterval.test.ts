// The decimal interval of a double (used to compare jsonb numbers the way JavaScript's JSON.parse reads them):
// its bounds are exactly the halfway points, which belong to the double iff its mantissa is even.
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { roundingInterval } from '../../src/condition/doubleInterval.ts';
import { suite } from '../lib/suite.ts';

const test = suite('condition: rounding intervals of doubles');
const SEED = Number(process.env.CONFLAG_PROPERTY_SEED ?? 20240310);

/** A decimal string nudged by one unit in its last (extra) digit, up or down. */
function nudge(decimal: string, direction: 1 | -1): string {
  const negative = decimal.startsWith('-');
  const digits = (negative ? decimal.slice(1) : decimal) + (decimal.includes('.') ? '' : '.') + '0000000000';
  const step = BigInt(direction * (negative ? -1 : 1));
  const [whole, fraction] = digits.split('.');
  const scaled = BigInt(whole + fraction) + step;
  const text = scaled.toString().padStart(fraction.length + 1, '0');
  return (negative ? '-' : '') + text.slice(0, text.length - fraction.length) + '.' + text.slice(text.length - fraction.length);
}

test('bounds are the halfway points: in the interval iff the mantissa is even; just inside rounds to x, just outside not', () => {
  fc.assert(
    fc.property(fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, 1, 1.0000000000000002, Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 2 ** 53, 0.1)), (x) => {
      const { low, high, inclusive } = roundingInterval(x);
      const same = (d: string) => Object.is(Number(d) === 0 ? 0 : Number(d), x === 0 ? 0 : x);
      if (low !== undefined) {
        assert.is(same(low), inclusive, `low ${low} of ${x}`);
        assert.ok(same(nudge(low, 1)), `just above low of ${x}`);
        assert.not.ok(same(nudge(low, -1)), `just below low of ${x}`);
      }
      if (high !== undefined) {
        assert.is(same(high), inclusive, `high ${high} of ${x}`);
        assert.ok(same(nudge(high, -1)), `just below high of ${x}`);
        assert.not.ok(same(nudge(high, 1)), `just above high of ${x}`);
      }
    }),
    { numRuns: 5000, seed: SEED },
  );
});

test('examples: 1 takes its halfway points, 1 + 2^-52 does not', () => {
  assert.equal(roundingInterval(1), {
    low: '0.999999999999999944488848768742172978818416595458984375',
    high: '1.00000000000000011102230246251565404236316680908203125',
    inclusive: true,
  });
  assert.is(roundingInterval(1.0000000000000002).inclusive, false);
  assert.is(roundingInterval(Infinity).low, roundingInterval(Number.MAX_VALUE).high);
});

test.run();
