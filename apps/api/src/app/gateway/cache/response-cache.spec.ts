import {
  cacheKey,
  cacheScopeId,
  isCacheableAnswer,
  InMemoryResponseCache,
  type CachedResponse,
} from './response-cache';

const entry = (text: string): CachedResponse => ({
  text,
  promptTokens: 1,
  completionTokens: 1,
  costNanos: 3,
});

describe('cacheKey', () => {
  it('keeps /v1/messages entries (keyed as messages, on the Anthropic body) apart from chat', () => {
    const body = { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] };
    expect(cacheKey('messages', body, 'global')).not.toBe(
      cacheKey('chat_completion', body, 'global'),
    );
  });

  it('ignores key order, cache and stream fields, but not the rest', () => {
    const a = cacheKey(
      'chat_completion',
      { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 0 },
      'user:u1',
    );
    const b = cacheKey(
      'chat_completion',
      {
        temperature: 0,
        stream: true,
        cache: { ttl: 5 },
        messages: [{ content: 'x', role: 'user' }],
        model: 'm',
      },
      'user:u1',
    );
    expect(a).toBe(b);
    expect(cacheKey('chat_completion', { model: 'm', temperature: 1 }, 'global')).not.toBe(
      cacheKey('chat_completion', { model: 'm', temperature: 0 }, 'global'),
    );
    expect(cacheKey('embedding', { model: 'm' }, 'global')).not.toBe(
      cacheKey('chat_completion', { model: 'm' }, 'global'),
    );
  });

  it('finding 16: differs per scope id, so callers in different scopes never share', () => {
    const body = { model: 'm', messages: [] };
    expect(cacheKey('chat_completion', body, 'user:a')).not.toBe(
      cacheKey('chat_completion', body, 'user:b'),
    );
  });
});

describe('cacheScopeId (finding 16)', () => {
  const caller = { userId: 'u1', teamId: 't1', keyToken: 'k1' };
  const alone = { userId: 'u1', teamId: null, keyToken: null };
  it('names the sharing group; falls back to the user, never to a wider group', () => {
    expect(cacheScopeId('global', caller)).toBe('global');
    expect(cacheScopeId('team', caller)).toBe('team:t1');
    expect(cacheScopeId('user', caller)).toBe('user:u1');
    expect(cacheScopeId('key', caller)).toBe('key:k1');
    expect(cacheScopeId('team', alone)).toBe('user:u1');
    expect(cacheScopeId('key', alone)).toBe('user:u1');
  });
});

describe('isCacheableAnswer (finding 15)', () => {
  it('takes only a JSON object carrying the answer array', () => {
    expect(isCacheableAnswer('chat_completion', { choices: [] })).toBe(true);
    expect(isCacheableAnswer('embedding', { data: [] })).toBe(true);
    expect(isCacheableAnswer('chat_completion', { data: [] })).toBe(false);
    expect(isCacheableAnswer('chat_completion', { choices: [], error: { message: 'x' } })).toBe(
      false,
    );
    expect(isCacheableAnswer('chat_completion', 'html')).toBe(false);
    expect(isCacheableAnswer('chat_completion', null)).toBe(false);
    expect(isCacheableAnswer('chat_completion', [])).toBe(false);
  });

  it('takes an Anthropic message (the /v1/messages passthrough), nothing else, in that format', () => {
    const message = { type: 'message', content: [] };
    expect(isCacheableAnswer('chat_completion', message, 'anthropic')).toBe(true);
    expect(isCacheableAnswer('chat_completion', message)).toBe(false);
    expect(isCacheableAnswer('chat_completion', { choices: [] }, 'anthropic')).toBe(false);
    expect(isCacheableAnswer('chat_completion', { type: 'error', error: {} }, 'anthropic')).toBe(
      false,
    );
  });
});

describe('ResponseCache', () => {
  it('expires entries after their TTL', () => {
    const sut = new InMemoryResponseCache(10);
    sut.set('k', entry('a'), 1000, 0);
    expect(sut.get('k', 999)?.text).toBe('a');
    expect(sut.get('k', 1000)).toBeNull();
  });

  it('evicts the least recently used entry past its bound', () => {
    const sut = new InMemoryResponseCache(2);
    sut.set('a', entry('a'), 1000, 0);
    sut.set('b', entry('b'), 1000, 0);
    sut.get('a', 1);
    sut.set('c', entry('c'), 1000, 1);
    expect(sut.size).toBe(2);
    expect(sut.get('b', 2)).toBeNull();
    expect(sut.get('a', 2)?.text).toBe('a');
  });
});
