/**
 * One template language for both the matcher and the recogniser's grammar:
 * words, `(a | b)` alternatives, `[optional]` parts and `{slot}` or `{name:type}` references, as
 * in "turn on [the] {device} [in [the] {room}]" or "set [the] {device} to {level:percentage}".
 * It maps 1:1 onto JSGF.
 */
export type TemplateNode =
  | { readonly kind: 'word'; readonly word: string }
  /** `{name}` is a slot of type `name`; `{name:type}` names a slot of another type. */
  | { readonly kind: 'slot'; readonly name: string; readonly type: string }
  | { readonly kind: 'optional'; readonly body: readonly TemplateNode[] }
  | { readonly kind: 'choice'; readonly options: readonly (readonly TemplateNode[])[] };

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const TOKEN = /\s*([[\]()|]|\{[a-z_]+(?::[a-z_]+)?\}|[\p{Ll}\p{Lo}\p{N}']+)/uy;

export function parseTemplate(source: string): TemplateNode[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (TOKEN.lastIndex < source.length && (m = TOKEN.exec(source))) tokens.push(m[1]!);
  if (source.slice(TOKEN.lastIndex).trim() !== '') {
    throw new TemplateError(`bad template "${source}" near "${source.slice(TOKEN.lastIndex)}"`);
  }
  let at = 0;
  const sequence = (closers: string): TemplateNode[][] => {
    const options: TemplateNode[][] = [[]];
    while (at < tokens.length) {
      const t = tokens[at]!;
      if (closers.includes(t)) break;
      at++;
      const current = options[options.length - 1]!;
      if (t === '|') options.push([]);
      else if (t === '[') {
        const inner = sequence(']');
        if (tokens[at++] !== ']') throw new TemplateError(`unclosed [ in "${source}"`);
        current.push({ kind: 'optional', body: wrap(inner) });
      } else if (t === '(') {
        const inner = sequence(')');
        if (tokens[at++] !== ')') throw new TemplateError(`unclosed ( in "${source}"`);
        current.push({ kind: 'choice', options: inner });
      } else if (t.startsWith('{')) {
        const [name, type] = t.slice(1, -1).split(':') as [string, string | undefined];
        current.push({ kind: 'slot', name, type: type ?? name });
      } else if (t === ']' || t === ')') throw new TemplateError(`stray ${t} in "${source}"`);
      else current.push({ kind: 'word', word: t });
    }
    return options;
  };
  const wrap = (options: TemplateNode[][]): TemplateNode[] =>
    options.length === 1 ? options[0]! : [{ kind: 'choice', options }];
  const result = wrap(sequence(''));
  if (at !== tokens.length) throw new TemplateError(`stray ${tokens[at]} in "${source}"`);
  return result;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Regex source of literal alternatives, longest first, so "kitchen light" wins over "light". */
export const alternatives = (values: readonly string[]): string | undefined =>
  values.length === 0
    ? undefined
    : `(?:${[...new Set(values)]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegex)
        .join('|')})`;

/** A template compiled for matching: group `s<i>` holds the text of `slots[i]`. */
export interface CompiledTemplate {
  readonly regex: RegExp;
  readonly slots: readonly { readonly name: string; readonly type: string }[];
}

/**
 * A regex matching " " + normalised text, or undefined when a slot has no values (no devices
 * yet). `patterns` gives each slot type's regex source.
 */
export function compileTemplate(
  nodes: readonly TemplateNode[],
  patterns: (type: string) => string | undefined,
): CompiledTemplate | undefined {
  const slots: { name: string; type: string }[] = [];
  let missing = false;
  const seq = (ns: readonly TemplateNode[]): string => ns.map(node).join('');
  const node = (n: TemplateNode): string => {
    switch (n.kind) {
      case 'word':
        return ` ${escapeRegex(n.word)}`;
      case 'optional':
        return `(?:${seq(n.body)})?`;
      case 'choice':
        return `(?:${n.options.map(seq).join('|')})`;
      case 'slot': {
        const source = patterns(n.type);
        if (source === undefined) missing = true;
        slots.push({ name: n.name, type: n.type });
        return ` (?<s${slots.length - 1}>${source ?? '(?!)'})`;
      }
    }
  };
  const regex = new RegExp(`^${seq(nodes)}$`, 'u');
  return missing ? undefined : { regex, slots };
}

/** The JSGF right-hand side of a template: a slot becomes a reference to its type's rule. */
export function templateToJsgf(
  nodes: readonly TemplateNode[],
  ruleOf: (type: string) => string = (type) => type,
): string {
  const seq = (ns: readonly TemplateNode[]): string => ns.map(node).join(' ');
  const node = (n: TemplateNode): string => {
    switch (n.kind) {
      case 'word':
        return n.word;
      case 'slot':
        return `<${ruleOf(n.type)}>`;
      case 'optional':
        return `[ ${seq(n.body)} ]`;
      case 'choice':
        return `( ${n.options.map(seq).join(' | ')} )`;
    }
  };
  return seq(nodes);
}

/**
 * The template without the optional parts and alternatives that use a slot type `usable` rejects
 * ("[in [the] {room}]" when the devices have no rooms); undefined when a required slot is one.
 */
export function withUsableSlots(
  nodes: readonly TemplateNode[],
  usable: (type: string) => boolean,
): TemplateNode[] | undefined {
  const out: TemplateNode[] = [];
  for (const n of nodes) {
    if (n.kind === 'word') out.push(n);
    else if (n.kind === 'slot') {
      if (!usable(n.type)) return undefined;
      out.push(n);
    } else if (n.kind === 'optional') {
      const body = withUsableSlots(n.body, usable);
      if (body) out.push({ kind: 'optional', body });
    } else {
      const options = n.options
        .map((o) => withUsableSlots(o, usable))
        .filter((o): o is TemplateNode[] => o !== undefined);
      if (options.length === 0) return undefined;
      out.push({ kind: 'choice', options });
    }
  }
  return out;
}

/** Types of the slots a template refers to. */
export function slotTypes(nodes: readonly TemplateNode[]): string[] {
  const out = new Set<string>();
  const walk = (ns: readonly TemplateNode[]): void => {
    for (const n of ns) {
      if (n.kind === 'slot') out.add(n.type);
      else if (n.kind === 'optional') walk(n.body);
      else if (n.kind === 'choice') n.options.forEach(walk);
    }
  };
  walk(nodes);
  return [...out];
}
