import { completionAsEvents, scanEvent } from './sse';

describe('scanEvent', () => {
  it('collects the output text and reads usage', () => {
    const output: string[] = [];
    const chunk = { choices: [{ delta: { role: 'assistant', content: 'hello' } }] };
    expect(scanEvent(`data: ${JSON.stringify(chunk)}`, false, output)).toEqual({
      forward: true,
      usage: null,
      error: false,
    });
    const usage = { choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } };
    expect(scanEvent(`data: ${JSON.stringify(usage)}`, false, output)).toMatchObject({
      forward: false,
      usage: usage.usage,
    });
    expect(scanEvent(`data: ${JSON.stringify(usage)}`, true, output).forward).toBe(true);
    expect(output).toEqual(['hello']);
  });

  it('finding 20: collects tool-call arguments too (a stream without usage bills them)', () => {
    const output: string[] = [];
    const call = {
      choices: [
        {
          delta: {
            tool_calls: [
              {
                index: 0,
                id: 'call_1',
                type: 'function',
                function: { name: 'f', arguments: '{"a"' },
              },
            ],
          },
        },
      ],
    };
    scanEvent(`data: ${JSON.stringify(call)}`, false, output);
    expect(output).toEqual(['f', '{"a"']);
  });

  it('flags error events (relayed only once redacted)', () => {
    const event = `data: ${JSON.stringify({ error: { message: 'Bearer x' } })}`;
    expect(scanEvent(event, false, []).error).toBe(true);
  });

  it('forwards [DONE], comments and non-JSON untouched', () => {
    expect(scanEvent('data: [DONE]', false, []).forward).toBe(true);
    expect(scanEvent(': keep-alive', false, []).forward).toBe(true);
    expect(scanEvent('data: {oops', false, []).forward).toBe(true);
    expect(scanEvent('data: 1e400', false, []).forward).toBe(true);
  });
});

describe('completionAsEvents', () => {
  it('replays a completion as chunks, usage on request, then [DONE]', () => {
    const text = JSON.stringify({
      id: 'c1',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'hi' } }],
      usage: { prompt_tokens: 1 },
    });
    const events = completionAsEvents(text, true) ?? [];
    expect(events).toHaveLength(4);
    expect(events[0]).toContain('"content":"hi"');
    expect(events[2]).toContain('"usage"');
    expect(events[3]).toBe('data: [DONE]\n\n');
    expect(completionAsEvents(text, false)).toHaveLength(3);
  });

  it('finding 15: is null (never throws) for text that is not a chat completion', () => {
    expect(completionAsEvents('<html>Bad gateway</html>', true)).toBeNull();
    expect(completionAsEvents('"just a string"', true)).toBeNull();
    expect(completionAsEvents('{"choices": "nope"}', true)).toBeNull();
    expect(completionAsEvents('{"choices": [null, 3]}', false)).toHaveLength(5);
  });
});
