import {
  answerStrings,
  COUNT_MAX_CHARS,
  countCompletionTokens,
  countPromptTokens,
  promptStrings,
  stringsIn,
} from './token-count';

describe('token counts for calls without usage (finding 20)', () => {
  it('reads every prompt string: content parts, tool calls, tools, response_format', () => {
    const body = {
      model: 'secret-model-name',
      stream: true,
      metadata: { note: 'not a prompt' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'part one' }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
          ],
        },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'lookup', parameters: { properties: { city: {} } } },
        },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'answer_schema' } },
    };
    const strings = promptStrings('chat_completion', body);
    for (const s of ['part one', '{"x":1}', 'lookup', 'city', 'answer_schema']) {
      expect(strings).toContain(s);
    }
    expect(strings).not.toContain('secret-model-name');
    expect(strings).not.toContain('not a prompt');
  });

  it('counts 200k characters in `tools` (the old estimate billed them as nothing)', async () => {
    const body = {
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { type: 'function', function: { name: 'f', description: 'lorem ipsum '.repeat(16_667) } },
      ],
    };
    expect(await countPromptTokens('chat_completion', body)).toBeGreaterThan(30_000);
  });

  it('counts embedding strings and token arrays', async () => {
    expect(await countPromptTokens('embedding', { model: 'm', input: [[1, 2, 3]] })).toBe(3);
    expect(await countPromptTokens('embedding', { model: 'm', input: 'hello world' })).toBe(2);
  });

  it('reads an answer: content and tool-call arguments, not roles or ids', async () => {
    const answer = {
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello there',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'g', arguments: '{"q":"x"}' } },
            ],
          },
        },
      ],
    };
    expect(answerStrings(answer)).toEqual(['Hello there', 'g', '{"q":"x"}']);
    expect(answerStrings('not json')).toEqual([]);
    expect(await countCompletionTokens(answerStrings(answer))).toBeGreaterThan(4);
  });

  it('counts special-token text as text instead of throwing', async () => {
    expect(await countCompletionTokens(['a <|endoftext|> b'])).toBeGreaterThan(3);
  });

  it('counts hostile text in bounded pieces, the rest past the cap at bytes / 3', async () => {
    // One 200k-character "word" took 153 s in a single countTokens call.
    const word = 'a'.repeat(200_000);
    const counted = await countCompletionTokens([word]);
    const rest = 200_000 - COUNT_MAX_CHARS;
    expect(counted).toBeGreaterThanOrEqual(Math.ceil(rest / 3) + COUNT_MAX_CHARS / 8);
  });

  it('walks deep nesting without recursion', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(stringsIn(deep, new Set(), true)).toEqual(['bottom']);
  });
});
