/**
 * Arithmetic over indicator codes, the language of formulas and rules in a template:
 *   `I.1.2 / I.1.1 * 100`, `(III.7.2.1 + III.7.2.2) / III.7.2 * 100`, `VII.3.1.1 + VII.3.1.2`.
 * Codes are roman-numeral sections with dotted numbers; numbers are decimal; + - * / and parentheses, with the
 * usual precedence. Kept in data, parsed here, never `eval`ed.
 *
 * Pure functions, no I/O.
 */

export type Expression =
  | { kind: 'number'; value: number }
  | { kind: 'ref'; code: string }
  | { kind: 'negate'; operand: Expression }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Expression; right: Expression };

export class ExpressionError extends Error {}

const TOKEN = /\s*(?:([IVXLC]+(?:\.[0-9]+)*)|([0-9]+(?:\.[0-9]+)?)|([-+*/()]))/y;

type Token = { type: 'ref' | 'number' | 'op'; text: string; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < source.length) {
    while (/\s/.test(source[at] ?? '')) at++;
    if (at >= source.length) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m) throw new ExpressionError(`unexpected character "${source[at]}" at ${at + 1} in "${source}"`);
    const text = (m[1] ?? m[2] ?? m[3])!;
    tokens.push({ type: m[1] ? 'ref' : m[2] ? 'number' : 'op', text, at: m.index + m[0].length - text.length });
    at = TOKEN.lastIndex;
  }
  return tokens;
}

/** Parses an expression; throws ExpressionError with the position of the first problem. */
export function parseExpression(source: string): Expression {
  const tokens = tokenize(source);
  let i = 0;
  const peek = () => tokens[i];
  const fail = (what: string): never => {
    const t = tokens[i];
    throw new ExpressionError(`${what} ${t ? `at "${t.text}" (${t.at + 1})` : 'at the end'} in "${source}"`);
  };

  function primary(): Expression {
    const t = peek();
    if (!t) return fail('expected a code, a number or "("');
    if (t.type === 'number') {
      i++;
      return { kind: 'number', value: Number(t.text) };
    }
    if (t.type === 'ref') {
      i++;
      return { kind: 'ref', code: t.text };
    }
    if (t.text === '(') {
      i++;
      const inner = sum();
      if (peek()?.text !== ')') fail('expected ")"');
      i++;
      return inner;
    }
    if (t.text === '-') {
      i++;
      return { kind: 'negate', operand: primary() };
    }
    return fail('expected a code, a number or "("');
  }

  function product(): Expression {
    let left = primary();
    while (peek()?.text === '*' || peek()?.text === '/') {
      const op = tokens[i++]!.text as '*' | '/';
      left = { kind: 'binary', op, left, right: primary() };
    }
    return left;
  }

  function sum(): Expression {
    let left = product();
    while (peek()?.text === '+' || peek()?.text === '-') {
      const op = tokens[i++]!.text as '+' | '-';
      left = { kind: 'binary', op, left, right: product() };
    }
    return left;
  }

  if (tokens.length === 0) throw new ExpressionError('empty expression');
  const expression = sum();
  if (i < tokens.length) fail('unexpected');
  return expression;
}

/** Every indicator code an expression reads, in order of first appearance. */
export function references(expression: Expression): string[] {
  const out: string[] = [];
  const walk = (e: Expression): void => {
    if (e.kind === 'ref') {
      if (!out.includes(e.code)) out.push(e.code);
    } else if (e.kind === 'negate') walk(e.operand);
    else if (e.kind === 'binary') {
      walk(e.left);
      walk(e.right);
    }
  };
  walk(expression);
  return out;
}

/**
 * Why a computed number is absent:
 * - `not_applicable`: a division by zero (0 of 0 planned is not 100 % and not 0 %);
 * - `missing_input`: an input was not reported (blank is not 0).
 */
export type AbsentReason = 'not_applicable' | 'missing_input';
export type Evaluated = { value: number; reason?: undefined } | { value: null; reason: AbsentReason; missing?: string[] };

/** Evaluates with `lookup` giving each code's number, or null when it has none. */
export function evaluate(expression: Expression, lookup: (code: string) => number | null): Evaluated {
  const missing = references(expression).filter((code) => lookup(code) === null);
  if (missing.length > 0) return { value: null, reason: 'missing_input', missing };
  const run = (e: Expression): number | null => {
    switch (e.kind) {
      case 'number':
        return e.value;
      case 'ref':
        return lookup(e.code);
      case 'negate': {
        const v = run(e.operand);
        return v === null ? null : -v;
      }
      case 'binary': {
        const l = run(e.left);
        const r = run(e.right);
        if (l === null || r === null) return null;
        if (e.op === '+') return l + r;
        if (e.op === '-') return l - r;
        if (e.op === '*') return l * r;
        return r === 0 ? null : l / r;
      }
    }
  };
  const value = run(expression);
  return value === null ? { value: null, reason: 'not_applicable' } : { value };
}

/** Rounds half away from zero to `decimals` places, in decimal, not binary (98.985 → 98.99). */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const sign = value < 0 ? -1 : 1;
  const factor = 10 ** decimals;
  // The relative nudge absorbs binary representation error (1.005 is stored as 1.00499999…).
  const rounded = Math.round(Math.abs(value) * factor * (1 + Number.EPSILON)) / factor;
  return sign * rounded + 0; // + 0 turns -0 into 0
}
