import { describeUsageProblem, MAX_TOKENS_PER_CALL, readUsage } from './usage';

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
