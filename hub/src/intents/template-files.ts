/**
 * Intent template files: the built-in ones in hub/templates/<language>.yaml, and the user's in
 * the folder `intents.templatesDir`, whose sentences are added to the built-in intents and whose
 * new intent names define custom intents (a reply and/or an MQTT message).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseYaml } from 'yaml';
import { schemaProblem } from '@jarvis/protocol';
import { AppError } from '../errors.js';
import type { Language } from './numbers.js';
import { builtinSlotTypes, listSlotType, type SlotType } from './slot-types.js';
import { parseTemplate, slotTypes, type TemplateError, type TemplateNode } from './template.js';

/** The intents the hub itself acts on; any other name in a file is a custom intent. */
export const BUILTIN_INTENTS = [
  'turn_on',
  'turn_off',
  'toggle',
  'get_state',
  'get_time',
  'get_date',
  'set_timer',
  'cancel_timer',
  'timer_remaining',
  'volume',
  'mute',
  'stop',
  'repeat',
  'set_brightness',
  'set_color',
  'set_temperature',
  'set_position',
  'open',
  'close',
  'announce',
] as const;
export type BuiltinIntent = (typeof BUILTIN_INTENTS)[number];

const Name = Type.String({ pattern: '^[a-z][a-z0-9_]{0,63}$' });
const Sentence = Type.String({ minLength: 1, maxLength: 500 });
const Phrase = Type.String({ minLength: 1, maxLength: 100 });

const CustomIntentSchema = Type.Object(
  {
    sentences: Type.Array(Sentence, { minItems: 1, maxItems: 500 }),
    /** Spoken back; `{slot}` is replaced by the slot's value. */
    reply: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    mqtt: Type.Optional(
      Type.Object(
        {
          topic: Type.String({ minLength: 1, maxLength: 256, pattern: '^[^#+]+$' }),
          payload: Type.String({ maxLength: 4096 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const TemplateFileSchema = Type.Object(
  {
    language: Type.Union([Type.Literal('en'), Type.Literal('fr')]),
    /** value → phrases, or just the phrases (each its own value). */
    lists: Type.Optional(
      Type.Record(
        Name,
        Type.Union([
          Type.Array(Phrase, { minItems: 1, maxItems: 1000 }),
          Type.Record(
            Type.String({ minLength: 1, maxLength: 100 }),
            Type.Array(Phrase, { minItems: 1 }),
          ),
        ]),
      ),
    ),
    intents: Type.Record(
      Name,
      Type.Union([Type.Array(Sentence, { minItems: 1, maxItems: 500 }), CustomIntentSchema]),
    ),
    /**
     * Intents understood in transcripts but left out of the embedded recogniser's grammar,
     * where their alternatives would make other speech sound like commands.
     */
    outsideGrammar: Type.Optional(Type.Array(Name, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
type TemplateFile = Static<typeof TemplateFileSchema>;
const checkFile = TypeCompiler.Compile(TemplateFileSchema);

export interface CustomAction {
  readonly reply?: string | undefined;
  readonly mqtt?: { readonly topic: string; readonly payload: string } | undefined;
}

export interface IntentTemplates {
  readonly name: string;
  readonly templates: readonly TemplateNode[][];
  /** Present for custom intents: what to do when one matches. */
  readonly custom?: CustomAction;
  /** False when the embedded recogniser's grammar leaves this intent out. */
  readonly inGrammar: boolean;
}

/** Every intent of one language, in priority order, with the slot types its templates use. */
export interface TemplateSet {
  readonly language: Language;
  readonly intents: readonly IntentTemplates[];
  readonly slotTypes: Readonly<Record<string, SlotType>>;
}

/** hub/templates, from hub/src/intents or hub/dist/intents. */
export const BUILTIN_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

const invalid = (file: string, why: string): AppError =>
  new AppError('config-invalid', `intent templates ${file}: ${why}`);

/**
 * Writes French elisions apart ("l'heure" → "l' heure") as normalised transcripts have them,
 * leaving the template syntax alone.
 */
export function splitElisions(text: string): string {
  return text.replace(/(^|[\s([|])((?:[ldjmnst]|qu)')(?=\p{L})/gu, '$1$2 ');
}

function readTemplateFile(path: string): TemplateFile {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw invalid(path, (err as Error).message);
  }
  if (!checkFile.Check(data)) throw invalid(path, schemaProblem(checkFile, data));
  return data;
}

/** Files in the user's folder, sorted, that are YAML. */
function userFiles(dir: string): string[] {
  try {
    const names = readdirSync(dir);
    return names
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map((n) => join(dir, n));
  } catch (err) {
    throw invalid(
      dir,
      `cannot read the folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Loads the built-in templates of `language` and, from `userDir`, every YAML file of the same
 * language. Throws a `config-invalid` AppError naming the file and what is wrong. Synchronous:
 * it runs once, at start-up.
 */
export function loadTemplates(
  language: Language,
  userDir?: string,
  builtinDir = BUILTIN_TEMPLATE_DIR,
): TemplateSet {
  const files = [join(builtinDir, `${language}.yaml`)];
  if (userDir !== undefined) files.push(...userFiles(userDir));
  const types: Record<string, SlotType> = { ...builtinSlotTypes(language) };
  const lists = new Map<string, Record<string, string>>();
  // Each sentence keeps the file it came from, so an error names the file to fix.
  const sentences = new Map<
    string,
    { sentences: { text: string; file: string }[]; custom?: CustomAction }
  >();
  const outside = new Set<string>();
  for (const path of files) {
    const file = readTemplateFile(path);
    if (file.language !== language) continue; // another language's file in the same folder
    for (const name of file.outsideGrammar ?? []) outside.add(name);
    for (const [name, def] of Object.entries(file.lists ?? {})) {
      if (name in types && !lists.has(name))
        throw invalid(path, `list "${name}" shadows a slot type`);
      const values = lists.get(name) ?? {};
      if (Array.isArray(def)) for (const p of def) values[splitElisions(p)] = p;
      else
        for (const [value, phrases] of Object.entries(def))
          for (const p of phrases) values[splitElisions(p)] = value;
      lists.set(name, values);
    }
    for (const [name, def] of Object.entries(file.intents)) {
      const builtin = (BUILTIN_INTENTS as readonly string[]).includes(name);
      const entry = sentences.get(name) ?? { sentences: [] };
      if (Array.isArray(def)) {
        if (!builtin && !entry.custom)
          throw invalid(
            path,
            `intent "${name}" is not built in: give it sentences and a reply or mqtt`,
          );
        entry.sentences.push(...def.map((text) => ({ text, file: path })));
      } else {
        if (builtin)
          throw invalid(path, `built-in intent "${name}" takes a list of sentences, not a reply`);
        if (def.reply === undefined && def.mqtt === undefined)
          throw invalid(path, `custom intent "${name}" needs a reply or an mqtt message`);
        entry.sentences.push(...def.sentences.map((text) => ({ text, file: path })));
        entry.custom = { reply: def.reply, mqtt: def.mqtt };
      }
      sentences.set(name, entry);
    }
  }
  for (const [name, values] of lists) types[name] = listSlotType(values);
  const intents: IntentTemplates[] = [];
  for (const [name, entry] of sentences) {
    const templates = entry.sentences.map(({ text, file }) => {
      let nodes: TemplateNode[];
      try {
        nodes = parseTemplate(splitElisions(text.toLowerCase()));
      } catch (err) {
        throw invalid(file, `intent "${name}": ${(err as TemplateError).message}`);
      }
      const unknown = slotTypes(nodes).filter((t) => !(t in types));
      if (unknown.length > 0)
        throw invalid(
          file,
          `intent "${name}": unknown slot type ${unknown.join(', ')} in "${text}"`,
        );
      return nodes;
    });
    intents.push({
      name,
      templates,
      inGrammar: !outside.has(name),
      ...(entry.custom ? { custom: entry.custom } : {}),
    });
  }
  return { language, intents, slotTypes: types };
}
