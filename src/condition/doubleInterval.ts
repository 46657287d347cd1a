// JSON numbers in `custom` are exact decimals in jsonb but IEEE doubles in JavaScript (JSON.parse rounds to
// nearest, ties to even): json-rules-engine's `===` therefore matches 1.00000000000000001 to 1, and 1e400 to
// Infinity. To agree exactly — and never fail a run on a float8 overflow — the compiler compares the jsonb
// numeric with the decimal interval of all numbers that round to the condition's double.

export interface DecimalInterval {
  /** Exact decimal bounds; undefined = unbounded on that side. */
  low?: string;
  high?: string;
  /** Whether the bounds themselves round to the double (ties go to the even mantissa). */
  inclusive: boolean;
}

const view = new DataView(new ArrayBuffer(8));
function bits(x: number): bigint {
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}
function fromBits(b: bigint): number {
  view.setBigUint64(0, b);
  return view.getFloat64(0);
}

/** x = num / 2^shift exactly (shift >= 0). */
interface Dyadic {
  num: bigint;
  shift: bigint;
}
function dyadic(x: number): Dyadic {
  const b = bits(Math.abs(x));
  const exponent = Number((b >> 52n) & 0x7ffn);
  const fractionBits = b & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fractionBits : fractionBits | (1n << 52n);
  const e = (exponent === 0 ? 1 : exponent) - 1075; // x = mantissa * 2^e
  const sign = x < 0 ? -1n : 1n;
  return e >= 0 ? { num: sign * (mantissa << BigInt(e)), shift: 0n } : { num: sign * mantissa, shift: BigInt(-e) };
}
function midpoint(a: Dyadic, b: Dyadic): Dyadic {
  const common = a.shift > b.shift ? a.shift : b.shift;
  return { num: (a.num << (common - a.shift)) + (b.num << (common - b.shift)), shift: common + 1n };
}
function decimal(d: Dyadic): string {
  if (d.shift === 0n) return d.num.toString();
  const negative = d.num < 0n;
  const digits = ((negative ? -d.num : d.num) * 5n ** d.shift).toString().padStart(Number(d.shift) + 1, '0');
  const cut = digits.length - Number(d.shift);
  const text = `${digits.slice(0, cut)}.${digits.slice(cut)}`.replace(/\.?0+$/, '');
  return (negative ? '-' : '') + text;
}

const MAX = Number.MAX_VALUE;
// The smallest decimal that rounds to Infinity: MAX + half an ulp (a tie, and MAX's mantissa is odd).
const OVERFLOW = midpoint(dyadic(MAX), { num: 1n << 1024n, shift: 0n });

/** Every decimal d with Number(d) === x (x any double but NaN; -0 and 0 are the same here). */
export function roundingInterval(x: number): DecimalInterval {
  if (Number.isNaN(x)) throw new RangeError('NaN has no interval');
  if (x === Infinity) return { low: decimal(OVERFLOW), inclusive: true };
  if (x === -Infinity) return { high: '-' + decimal(OVERFLOW), inclusive: true };
  if (x === 0) {
    const tiny = decimal(midpoint({ num: 0n, shift: 0n }, dyadic(Number.MIN_VALUE)));
    return { low: '-' + tiny, high: tiny, inclusive: true };
  }
  const b = bits(Math.abs(x));
  const even = (b & 1n) === 0n;
  const down = fromBits(b - 1n); // towards zero
  const up = Math.abs(x) === MAX ? undefined : fromBits(b + 1n);
  const lowerMagnitude = decimal(midpoint(dyadic(Math.abs(x)), dyadic(down)));
  const upperMagnitude = up === undefined ? decimal(OVERFLOW) : decimal(midpoint(dyadic(Math.abs(x)), dyadic(up)));
  return x > 0
    ? { low: lowerMagnitude, high: upperMagnitude, inclusive: even }
    : { low: '-' + upperMagnitude, high: '-' + lowerMagnitude, inclusive: even };
}
