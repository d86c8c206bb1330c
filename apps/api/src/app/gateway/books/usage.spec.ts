import { describeUsageProblem, MAX_TOKENS_PER_CALL, readAnthropicUsage, readUsage } from './usage';

describe('readUsage (findings 11 + 19: upstream usage is checked before it is billed)', () => {
  it('reads finite non-negative integer counts', () => {
    expect(readUsage({ prompt_tokens: 10, completion_tokens: 5 })).toEqual({
      kind: 'ok',
      prompt: 10,
      completion: 5,
      clamped: false,
      cache: { read: 0, write: 0 },
    });
    // Embeddings: no completion_tokens.
    expect(readUsage({ prompt_tokens: 8, total_tokens: 8 })).toMatchObject({
      kind: 'ok',
      prompt: 8,
      completion: 0,
    });
  });

  it('reads prompt-cache reads and writes, never more than the prompt, junk as 0', () => {
    const usage = {
      prompt_tokens: 1210,
      completion_tokens: 5,
      prompt_tokens_details: { cached_tokens: 1000 },
      cache_creation_input_tokens: 200,
    };
    expect(readUsage(usage)).toMatchObject({ cache: { read: 1000, write: 200 } });
    expect(
      readUsage({ prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 50 } }),
    ).toMatchObject({ cache: { read: 10, write: 0 } });
    expect(
      readUsage({
        prompt_tokens: 10,
        prompt_tokens_details: { cached_tokens: -1 },
        cache_creation_input_tokens: 'x',
      }),
    ).toMatchObject({ cache: { read: 0, write: 0 } });
  });

  it('is absent without usage or without prompt_tokens', () => {
    expect(readUsage(undefined)).toEqual({ kind: 'absent' });
    expect(readUsage(null)).toEqual({ kind: 'absent' });
    expect(readUsage({ completion_tokens: 3 })).toEqual({ kind: 'absent' });
  });

  it.each([
    [{ prompt_tokens: JSON.parse('1e400') as number, completion_tokens: 1 }, 'prompt_tokens'],
    [{ prompt_tokens: -JSON.parse('1e400') }, 'prompt_tokens'],
    [{ prompt_tokens: Number.NaN }, 'prompt_tokens'],
    [{ prompt_tokens: -5, completion_tokens: 1 }, 'prompt_tokens'],
    [{ prompt_tokens: 1.5 }, 'prompt_tokens'],
    [{ prompt_tokens: '10' }, 'prompt_tokens'],
    [{ prompt_tokens: 1, completion_tokens: -1_000_000 }, 'completion_tokens'],
    [{ prompt_tokens: 1, completion_tokens: Infinity }, 'completion_tokens'],
    [{ prompt_tokens: 1, completion_tokens: '5' }, 'completion_tokens'],
    ['lots', 'usage'],
    [[1, 2], 'usage'],
  ])('refuses %j (%s)', (usage, field) => {
    const reading = readUsage(usage);
    expect(reading).toEqual({ kind: 'invalid', field });
    expect(describeUsageProblem(reading)).toContain(field);
  });

  it('clamps a finite count above the per-call ceiling, and says so', () => {
    const reading = readUsage({ prompt_tokens: 1e300, completion_tokens: MAX_TOKENS_PER_CALL + 1 });
    expect(reading).toEqual({
      kind: 'ok',
      prompt: MAX_TOKENS_PER_CALL,
      completion: MAX_TOKENS_PER_CALL,
      clamped: true,
      cache: { read: 0, write: 0 },
    });
    expect(describeUsageProblem(reading)).toMatch(/clamped/);
    expect(describeUsageProblem(readUsage({ prompt_tokens: 3 }))).toBeNull();
  });
});

describe('readAnthropicUsage (the /v1/messages passthrough reads Anthropic usage itself)', () => {
  const usage = {
    input_tokens: 10,
    cache_creation_input_tokens: 200,
    cache_read_input_tokens: 1000,
    output_tokens: 5,
  };

  it('reads as readUsage reads the anthropic/ adapter translation of the same usage', () => {
    expect(readAnthropicUsage(usage)).toEqual({
      kind: 'ok',
      prompt: 1210,
      completion: 5,
      clamped: false,
      cache: { read: 1000, write: 200 },
    });
    expect(readAnthropicUsage(usage)).toEqual(
      readUsage({
        prompt_tokens: 1210,
        completion_tokens: 5,
        prompt_tokens_details: { cached_tokens: 1000 },
        cache_creation_input_tokens: 200,
      }),
    );
    // No cache fields, no output yet (message_start before any delta), unknown fields.
    expect(readAnthropicUsage({ input_tokens: 7, service_tier: 'standard' })).toMatchObject({
      kind: 'ok',
      prompt: 7,
      completion: 0,
      cache: { read: 0, write: 0 },
    });
  });

  it('is absent without usage or without input_tokens', () => {
    expect(readAnthropicUsage(undefined)).toEqual({ kind: 'absent' });
    expect(readAnthropicUsage(null)).toEqual({ kind: 'absent' });
    expect(readAnthropicUsage({ output_tokens: 5 })).toEqual({ kind: 'absent' });
  });

  it.each([
    [{ ...usage, input_tokens: -1 }, 'input_tokens'],
    [{ ...usage, output_tokens: JSON.parse('1e400') as number }, 'output_tokens'],
    [{ ...usage, cache_read_input_tokens: 1.5 }, 'cache_read_input_tokens'],
    [{ ...usage, cache_creation_input_tokens: '20' }, 'cache_creation_input_tokens'],
    ['lots', 'usage'],
    [[1], 'usage'],
  ])('refuses %j (%s): a cache count is part of the prompt', (bad, field) => {
    const reading = readAnthropicUsage(bad);
    expect(reading).toEqual({ kind: 'invalid', field });
    expect(describeUsageProblem(reading)).toContain(field);
  });

  it('clamps the summed prompt at the per-call ceiling, cache counts within it', () => {
    const reading = readAnthropicUsage({
      input_tokens: 1,
      cache_read_input_tokens: MAX_TOKENS_PER_CALL,
      cache_creation_input_tokens: 50,
      output_tokens: 2,
    });
    expect(reading).toEqual({
      kind: 'ok',
      prompt: MAX_TOKENS_PER_CALL,
      completion: 2,
      clamped: true,
      cache: { read: MAX_TOKENS_PER_CALL, write: 0 },
    });
  });
});
