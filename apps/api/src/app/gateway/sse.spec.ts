import { completionAsEvents, scanEvent } from './sse';

describe('scanEvent', () => {
  it('counts content and reads usage', () => {
    const chunk = { choices: [{ delta: { content: 'hello' } }] };
    expect(scanEvent(`data: ${JSON.stringify(chunk)}`, false)).toEqual({
      forward: true,
      usage: null,
      contentChars: 5,
    });
    const usage = { choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } };
    expect(scanEvent(`data: ${JSON.stringify(usage)}`, false)).toMatchObject({
      forward: false,
      usage: usage.usage,
    });
    expect(scanEvent(`data: ${JSON.stringify(usage)}`, true).forward).toBe(true);
  });

  it('forwards [DONE], comments and non-JSON untouched', () => {
    expect(scanEvent('data: [DONE]', false).forward).toBe(true);
    expect(scanEvent(': keep-alive', false).forward).toBe(true);
    expect(scanEvent('data: {oops', false).forward).toBe(true);
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
    const events = completionAsEvents(text, true);
    expect(events).toHaveLength(4);
    expect(events[0]).toContain('"content":"hi"');
    expect(events[2]).toContain('"usage"');
    expect(events[3]).toBe('data: [DONE]\n\n');
    expect(completionAsEvents(text, false)).toHaveLength(3);
  });
});
