// Value readers for keyword arguments: integers, booleans and fixed-point decimals (timers), with the
// meaning of keepalived 2.2.7's lib/parser.c readers (reference §1.2 items 7–9) and our own wording.

/**
 * The outcome of reading a value. `value` defined = the value is accepted (possibly after a correction);
 * `problem` defined = something must be reported. Both can be set (too many decimal places: rounded and
 * accepted, but reported, as keepalived does).
 */
export interface ValueRead<T> {
  readonly value: T | undefined;
  readonly problem: { readonly code: string; readonly message: string } | undefined;
}

const ok = <T>(value: T): ValueRead<T> => ({ value, problem: undefined });
const bad = <T>(code: string, message: string): ValueRead<T> => ({ value: undefined, problem: { code, message } });

const INT_RE = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/**
 * A base-10 integer in [min, max] (keepalived `read_int` / `read_unsigned`: strtol + a range check).
 * Trailing garbage (`100abc`) is refused; `-t` refuses it too, so we never accept it.
 * With `unsigned`, a leading `-` is "negative" as in keepalived's read_unsigned.
 */
export function readInteger(text: string, min: number, max: number, unsigned = false): ValueRead<number> {
  const m = INT_RE.exec(text);
  if (!m) return bad('invalid-number', `'${text}' is not a whole number (expected an integer in [${min}, ${max}])`);
  if (unsigned && m[1] === '-') return bad('invalid-number', `'${text}' is negative (expected an integer in [${min}, ${max}])`);
  const n = Number(`${m[1]}${m[2]}`);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    return bad('number-out-of-range', `${text.trim()} is outside the range [${min}, ${max}]`);
  }
  return ok(n);
}

/** keepalived `check_true_false`: lower-case `true|on|yes` / `false|off|no` only. */
export function readBool(text: string): boolean | undefined {
  if (text === 'true' || text === 'on' || text === 'yes') return true;
  if (text === 'false' || text === 'off' || text === 'no') return false;
  return undefined;
}

function formatScaled(v: number, places: number): string {
  if (places === 0) return String(v);
  const scale = 10 ** places;
  return `${Math.floor(v / scale)}.${String(v % scale).padStart(places, '0')}`;
}

/**
 * A non-negative fixed-point decimal with up to `places` decimal places, returned scaled by 10^places
 * (places 6 = microseconds for timers given in seconds). `min`/`max` are in scaled units.
 * keepalived-compat: more decimal places than allowed is reported and the value rounded half up, then
 * accepted if it is in range (read_decimal_unsigned_long_func).
 * Test: test/unit/config-parser/values.test.ts "decimals: scaled, rounded past the allowed places (reported), negatives refused".
 */
export function readDecimal(text: string, places: number, min: number, max: number): ValueRead<number> {
  const range = `[${formatScaled(min, places)}, ${formatScaled(max, places)}]`;
  if (text.startsWith('-')) return bad('invalid-number', `'${text}' is negative (expected a number of seconds in ${range})`);
  const m = /^[ \t]*\+?([0-9]*)(?:\.([0-9]*))?$/.exec(text);
  if (!m || (m[1] === '' && (m[2] === undefined || m[2] === ''))) {
    return bad('invalid-number', `'${text}' is not a decimal number (expected a number in ${range}, at most ${places} decimal places)`);
  }
  let frac = m[2] ?? '';
  let roundUp = false;
  let problem: ValueRead<number>['problem'];
  if (frac.length > places) {
    roundUp = (frac[places] ?? '0') >= '5';
    frac = frac.slice(0, places);
    problem = { code: 'too-many-decimal-places', message: `'${text}' has more than ${places} decimal places; rounded` };
  }
  const v = Number(`${m[1] === '' ? '0' : m[1]}${frac.padEnd(places, '0')}`) + (roundUp ? 1 : 0);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    return bad('number-out-of-range', `${text} is outside the range ${range}`);
  }
  return { value: v, problem };
}
