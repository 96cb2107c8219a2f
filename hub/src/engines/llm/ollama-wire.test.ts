import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { NdjsonLines, chatBody, errorText, parseChatLine } from './ollama-wire.js';

const WHERE = 'http://gpu:11434/api/chat';

function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a throw');
}

describe('NdjsonLines', () => {
  it('joins-lines-split-across-chunks-and-utf8-sequences', () => {
    const bytes = new TextEncoder().encode('{"a":"héllo"}\n\n{"b":"wörld"}\r\n{"c":1}');
    const lines = new NdjsonLines(WHERE);
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i += 3) out.push(...lines.push(bytes.subarray(i, i + 3)));
    out.push(...lines.end());
    expect(out).toEqual(['{"a":"héllo"}', '{"b":"wörld"}', '{"c":1}']);
  });

  it('refuses-an-endless-line', () => {
    const lines = new NdjsonLines(WHERE);
    const err = thrown(() => lines.push(new Uint8Array(1024 * 1024 + 10).fill(0x61)));
    expect(err.code).toBe('engine-protocol');
  });
});

describe('parseChatLine', () => {
  it('reads-content-tool-calls-and-the-final-stats', () => {
    expect(
      parseChatLine(
        '{"model":"m","created_at":"t","message":{"role":"assistant","content":"Hi"},"done":false}',
        WHERE,
      ),
    ).toEqual({ chunks: [{ type: 'text', text: 'Hi' }], done: false });
    const call = parseChatLine(
      JSON.stringify({
        message: {
          role: 'assistant',
          content: '',
          tool_calls: [
            { function: { name: 'a', arguments: { x: 1 } } },
            { function: { name: 'b', arguments: '{"y":2}' } },
          ],
        },
        done: false,
      }),
      WHERE,
    );
    expect(call.chunks).toEqual([
      { type: 'tool-call', name: 'a', arguments: { x: 1 } },
      { type: 'tool-call', name: 'b', arguments: { y: 2 } },
    ]);
    const done = parseChatLine(
      '{"message":{"role":"assistant","content":""},"done":true,"done_reason":"length",' +
        '"total_duration":900000000,"prompt_eval_count":26,"eval_count":282,"eval_duration":4535599000}',
      WHERE,
    );
    expect(done).toEqual({
      chunks: [
        {
          type: 'done',
          evalMs: 4536,
          promptTokens: 26,
          completionTokens: 282,
          doneReason: 'length',
        },
      ],
      done: true,
    });
  });

  it('ignores-thinking-deltas', () => {
    expect(
      parseChatLine(
        '{"message":{"role":"assistant","content":"","thinking":"hmm"},"done":false}',
        WHERE,
      ).chunks,
    ).toEqual([]);
  });

  it.each([
    ['not-json', '{"message":'],
    ['not-an-object', '[1,2]'],
    ['content-not-text', '{"message":{"content":5},"done":false}'],
    ['done-not-boolean', '{"done":"yes"}'],
    ['tool-call-without-name', '{"message":{"content":"","tool_calls":[{"function":{}}]}}'],
    [
      'tool-arguments-not-object',
      '{"message":{"content":"","tool_calls":[{"function":{"name":"a","arguments":[1]}}]}}',
    ],
  ])('rejects-a-malformed-line (%s)', (_name, line) => {
    expect(thrown(() => parseChatLine(line, WHERE)).code).toBe('engine-protocol');
  });

  it('throws-an-error-line-as-engine-unavailable', () => {
    const err = thrown(() => parseChatLine('{"error":"model runner crashed"}', WHERE));
    expect(err.code).toBe('engine-unavailable');
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('model runner crashed');
  });
});

describe('chatBody', () => {
  it('leaves-out-what-the-request-does-not-set', () => {
    expect(chatBody('m', { messages: [{ role: 'user', content: 'hi' }] }, undefined)).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    expect(chatBody('m', { messages: [], tools: [] }, 0)).toEqual({
      model: 'm',
      messages: [],
      stream: true,
      keep_alive: 0,
    });
  });
});

describe('errorText', () => {
  it('takes-ollamas-error-field-or-the-text', () => {
    expect(errorText('{"error":"model \\"x\\" not found"}')).toBe('model "x" not found');
    expect(errorText('<html>Bad Gateway</html>')).toBe('<html>Bad Gateway</html>');
  });
});
