/**
 * One template language for both the matcher and the recogniser's grammar:
 * words, `(a | b)` alternatives, `[optional]` parts and `{slot}` references, as in
 * "turn {state} [the] {device} [in [the] {room}]". It maps 1:1 onto JSGF.
 */
export type TemplateNode =
  | { readonly kind: 'word'; readonly word: string }
  | { readonly kind: 'slot'; readonly name: string }
  | { readonly kind: 'optional'; readonly body: readonly TemplateNode[] }
  | { readonly kind: 'choice'; readonly options: readonly (readonly TemplateNode[])[] };

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

const TOKEN = /\s*([[\]()|]|\{[a-z_]+\}|[a-z']+)/gy;

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
      } else if (t.startsWith('{')) current.push({ kind: 'slot', name: t.slice(1, -1) });
      else if (t === ']' || t === ')') throw new TemplateError(`stray ${t} in "${source}"`);
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

/**
 * A regex matching " " + normalised text; each slot becomes a named group whose alternatives
 * are tried longest first, so "kitchen light" wins over "light".
 */
export function templateToRegex(
  nodes: readonly TemplateNode[],
  slots: Readonly<Record<string, readonly string[]>>,
): RegExp {
  const used = new Set<string>();
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
        const values = slots[n.name];
        if (!values || values.length === 0) return '(?!)';
        const alts = [...values]
          .sort((a, b) => b.length - a.length)
          .map(escapeRegex)
          .join('|');
        // A slot may appear in several alternatives of one template; only the first is named.
        const name = used.has(n.name) ? '' : `?<${n.name}>`;
        used.add(n.name);
        return ` (${name}${alts})`;
      }
    }
  };
  return new RegExp(`^${seq(nodes)}$`);
}

/** The JSGF right-hand side of a template: slots become rule references. */
export function templateToJsgf(nodes: readonly TemplateNode[]): string {
  const seq = (ns: readonly TemplateNode[]): string => ns.map(node).join(' ');
  const node = (n: TemplateNode): string => {
    switch (n.kind) {
      case 'word':
        return n.word;
      case 'slot':
        return `<${n.name}>`;
      case 'optional':
        return `[ ${seq(n.body)} ]`;
      case 'choice':
        return `( ${n.options.map(seq).join(' | ')} )`;
    }
  };
  return seq(nodes);
}

/** Names of the slots a template refers to. */
export function slotNames(nodes: readonly TemplateNode[]): string[] {
  const out = new Set<string>();
  const walk = (ns: readonly TemplateNode[]): void => {
    for (const n of ns) {
      if (n.kind === 'slot') out.add(n.name);
      else if (n.kind === 'optional') walk(n.body);
      else if (n.kind === 'choice') n.options.forEach(walk);
    }
  };
  walk(nodes);
  return [...out];
}
