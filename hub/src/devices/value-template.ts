/**
 * The small subset of Home Assistant's Jinja templates that MQTT discovery configs actually use
 * to pick a value out of a state payload:
 *
 * - `{{ value }}`: the payload as text
 * - `{{ value_json.x }}`, `{{ value_json.x.y }}`, `{{ value_json['x'] }}`, `{{ value_json.x[0] }}`
 * - followed by any chain of the filters `| upper`, `| lower`, `| int`, `| float`, `| round`,
 *   `| round(n)`
 *
 * Anything else (literal text around the expression, `if`/`else`, `{% … %}`, other filters,
 * arithmetic, comparisons, method calls) is not supported: {@link compileValueTemplate} returns
 * undefined for it rather than guessing what Jinja would have produced. The template is read by a
 * hand-written scanner; nothing is ever evaluated as code.
 *
 * Values render the way Jinja (Python's `str`) writes them, so they compare equal to the
 * `payload_on`/`payload_off` strings HA derives from configs: `True`/`False`, `None`, `21.0` for a
 * float. One known difference: JSON `21.0` parses to the number 21 here and renders as `21`.
 */

/** A compiled template: renders a payload, or gives undefined when the value cannot be had. */
export type ValueTemplate = (payload: string) => string | undefined;

type Value =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly v: number; readonly float: boolean }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'none' };

type Step = string | number;
type Filter = (v: Value) => Value | undefined;

const MAX_TEMPLATE = 1_000;

/** Compiles a template; undefined when it uses anything outside the supported subset. */
export function compileValueTemplate(template: string): ValueTemplate | undefined {
  if (template.length > MAX_TEMPLATE) return undefined;
  const parsed = parse(template);
  if (!parsed) return undefined;
  const { source, path, filters } = parsed;
  return (payload) => {
    let v: Value | undefined;
    if (source === 'value') v = { t: 'str', v: payload };
    else {
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        return undefined; // HA: value_json is undefined when the payload is not JSON
      }
      v = fromJson(walk(json, path));
    }
    for (const f of filters) {
      if (!v) return undefined;
      v = f(v);
    }
    return v ? render(v) : undefined;
  };
}

/** Renders one payload through a template; undefined when unsupported or the value is missing. */
export function renderValueTemplate(template: string, payload: string): string | undefined {
  return compileValueTemplate(template)?.(payload);
}

// --- evaluation -------------------------------------------------------------------------------

function walk(json: unknown, path: readonly Step[]): unknown {
  let cur = json;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur) || step >= cur.length) return undefined;
      cur = (cur as unknown[])[step];
    } else {
      // Own properties only: `constructor`, `__proto__` and friends are not data.
      if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
      if (!Object.hasOwn(cur, step)) return undefined;
      cur = (cur as Record<string, unknown>)[step];
    }
  }
  return cur;
}

function fromJson(x: unknown): Value | undefined {
  if (typeof x === 'string') return { t: 'str', v: x };
  if (typeof x === 'number') return { t: 'num', v: x, float: !Number.isInteger(x) };
  if (typeof x === 'boolean') return { t: 'bool', v: x };
  if (x === null) return { t: 'none' };
  return undefined; // objects and arrays, or a missing key
}

function render(v: Value): string {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'num':
      return v.float && Number.isInteger(v.v) ? `${v.v}.0` : String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
  }
}

/** Jinja's `float`/`int` read numbers from text; HA's versions fail (no default) on junk. */
function toNumber(v: Value): number | undefined {
  switch (v.t) {
    case 'num':
      return v.v;
    case 'bool':
      return v.v ? 1 : 0;
    case 'str': {
      const s = v.v.trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
      return Number(s);
    }
    case 'none':
      return undefined;
  }
}

const FILTERS: Record<string, (arg: number | undefined) => Filter | undefined> = {
  upper: (arg) =>
    arg === undefined ? (v) => ({ t: 'str', v: render(v).toUpperCase() }) : undefined,
  lower: (arg) =>
    arg === undefined ? (v) => ({ t: 'str', v: render(v).toLowerCase() }) : undefined,
  int: (arg) =>
    arg === undefined
      ? (v) => {
          const n = toNumber(v);
          return n === undefined || !Number.isFinite(n)
            ? undefined
            : { t: 'num', v: Math.trunc(n), float: false };
        }
      : undefined,
  float: (arg) =>
    arg === undefined
      ? (v) => {
          const n = toNumber(v);
          return n === undefined ? undefined : { t: 'num', v: n, float: true };
        }
      : undefined,
  // HA replaces Jinja's round with its own: precision 0 gives an int (template.py forgiving_round).
  round: (arg) => {
    const digits = arg ?? 0;
    if (digits < 0 || digits > 15) return undefined;
    return (v) => {
      const n = toNumber(v);
      if (n === undefined || !Number.isFinite(n)) return undefined;
      const rounded = roundHalfAwayFromZero(n, digits);
      return { t: 'num', v: rounded, float: digits > 0 };
    };
  },
};

/** Jinja's "common" rounding: halves go away from zero (not to even, as Python's round does). */
function roundHalfAwayFromZero(n: number, digits: number): number {
  const factor = 10 ** digits;
  // toPrecision trims the binary noise that makes 1.005 * 100 come out as 100.49999999999999.
  const scaled = Number((Math.abs(n) * factor).toPrecision(15));
  return (Math.sign(n) * Math.round(scaled)) / factor;
}

// --- parsing ----------------------------------------------------------------------------------

interface Parsed {
  readonly source: 'value' | 'value_json';
  readonly path: readonly Step[];
  readonly filters: readonly Filter[];
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const INTEGER = /\d+/y;
const SPACE = /\s*/y;

function parse(template: string): Parsed | undefined {
  const s = template.trim();
  if (!s.startsWith('{{') || !s.endsWith('}}') || s.length < 4) return undefined;
  const body = s.slice(2, -2);
  if (body.includes('{{') || body.includes('}}')) return undefined; // one expression only
  let i = 0;

  const skip = (): void => {
    SPACE.lastIndex = i;
    SPACE.exec(body);
    i = SPACE.lastIndex;
  };
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = i;
    const m = re.exec(body);
    if (!m) return undefined;
    i = re.lastIndex;
    return m[0];
  };
  const quoted = (): string | undefined => {
    const q = body[i];
    if (q !== "'" && q !== '"') return undefined;
    const end = body.indexOf(q, i + 1);
    if (end < 0) return undefined;
    const text = body.slice(i + 1, end);
    if (text.includes('\\')) return undefined; // escapes: not worth guessing
    i = end + 1;
    return text;
  };

  skip();
  const source = match(IDENT);
  if (source !== 'value' && source !== 'value_json') return undefined;
  const path: Step[] = [];
  for (;;) {
    if (body[i] === '.') {
      i++;
      const key = match(IDENT);
      if (key === undefined) return undefined;
      path.push(key);
    } else if (body[i] === '[') {
      i++;
      skip();
      const name = quoted();
      const index = name === undefined ? match(INTEGER) : undefined;
      if (name === undefined && index === undefined) return undefined;
      skip();
      if (body[i] !== ']') return undefined;
      i++;
      path.push(name ?? Number(index));
    } else break;
  }
  if (source === 'value' && path.length > 0) return undefined; // `value` is text, it has no keys

  const filters: Filter[] = [];
  for (;;) {
    skip();
    if (i >= body.length) break;
    if (body[i] !== '|') return undefined;
    i++;
    skip();
    const name = match(IDENT);
    if (name === undefined || !Object.hasOwn(FILTERS, name)) return undefined;
    skip();
    let arg: number | undefined;
    if (body[i] === '(') {
      i++;
      skip();
      const digits = match(INTEGER);
      skip();
      if (body[i] !== ')') return undefined;
      i++;
      // `round()` is round with its default precision; `int(0)` and the like are not supported.
      if (digits !== undefined) arg = Number(digits);
      else if (name !== 'round') return undefined;
    }
    const make = FILTERS[name];
    const filter = make?.(arg);
    if (!filter) return undefined;
    filters.push(filter);
  }
  return { source, path, filters };
}
