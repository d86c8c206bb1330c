import { cacheKey, ResponseCache, type CachedResponse } from './response-cache';

const entry = (text: string): CachedResponse => ({
  text,
  promptTokens: 1,
  completionTokens: 1,
  costNanos: 3,
});

describe('cacheKey', () => {
  it('ignores key order, cache and stream fields, but not the rest', () => {
    const a = cacheKey('chat_completion', {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      temperature: 0,
    });
    const b = cacheKey('chat_completion', {
      temperature: 0,
      stream: true,
      cache: { ttl: 5 },
      messages: [{ content: 'x', role: 'user' }],
      model: 'm',
    });
    expect(a).toBe(b);
    expect(cacheKey('chat_completion', { model: 'm', temperature: 1 })).not.toBe(
      cacheKey('chat_completion', { model: 'm', temperature: 0 }),
    );
    expect(cacheKey('embedding', { model: 'm' })).not.toBe(
      cacheKey('chat_completion', { model: 'm' }),
    );
  });
});

describe('ResponseCache', () => {
  it('expires entries after their TTL', () => {
    const sut = new ResponseCache(10);
    sut.set('k', entry('a'), 1000, 0);
    expect(sut.get('k', 999)?.text).toBe('a');
    expect(sut.get('k', 1000)).toBeNull();
  });

  it('evicts the least recently used entry past its bound', () => {
    const sut = new ResponseCache(2);
    sut.set('a', entry('a'), 1000, 0);
    sut.set('b', entry('b'), 1000, 0);
    sut.get('a', 1);
    sut.set('c', entry('c'), 1000, 1);
    expect(sut.size).toBe(2);
    expect(sut.get('b', 2)).toBeNull();
    expect(sut.get('a', 2)?.text).toBe('a');
  });
});
