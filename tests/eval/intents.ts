/**
 * Intent accuracy of the template matcher over the hand-written dev set (English and French):
 * exact intent and slots. Run: npm run eval:intents. Prints a table, the misses, and the result
 * as JSON on the last line.
 */
import { scoreIntents } from './intents-eval.js';

const score = scoreIntents();
console.log('\nIntent dev set: exact intent and slots\n');
console.log('language  phrasings  right  accuracy %');
console.log('--------  ---------  -----  ----------');
for (const l of [...score.perLanguage, { language: 'total', ...score.total }])
  console.log(
    `${l.language.padEnd(8)}  ${String(l.cases).padStart(9)}  ${String(l.right).padStart(5)}  ${String(l.accuracyPct).padStart(10)}`,
  );
console.log(`\nmisses: ${score.misses.length}`);
for (const m of score.misses)
  console.log(`  [${m.language}] "${m.text}" → ${m.got}; expected ${m.expected}`);
console.log(`\ntarget ≥ 95 %: ${score.total.accuracyPct >= 95 ? 'met' : 'NOT met'}`);
console.log(JSON.stringify(score));
