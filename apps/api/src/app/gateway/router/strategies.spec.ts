import { choose, hasCapacity, weightedShuffle, type Candidate } from './strategies';
import { aCandidate, seeded } from './router-testing';

function counts(pick: () => Candidate, n: number): Record<string, number> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i += 1) {
    const id = pick().deployment.id;
    seen[id] = (seen[id] ?? 0) + 1;
  }
  return seen;
}

describe('routing strategies', () => {
  it('simple-shuffle splits by weight (3:1 within 3% over 10 000 picks)', () => {
    const sut = [aCandidate('a', { weight: 3 }), aCandidate('b', { weight: 1 })];
    const random = seeded(42);
    const seen = counts(() => weightedShuffle(sut, random), 10_000);
    expect(seen['a'] / 10_000).toBeGreaterThan(0.72);
    expect(seen['a'] / 10_000).toBeLessThan(0.78);
  });

  it('simple-shuffle: no weights is an even split; weight 0 is never chosen beside others', () => {
    const random = seeded(7);
    const even = counts(() => weightedShuffle([aCandidate('a'), aCandidate('b')], random), 10_000);
    expect(Math.abs(even['a'] - even['b'])).toBeLessThan(400);
    const zero = counts(
      () => weightedShuffle([aCandidate('a', { weight: 0 }), aCandidate('b')], random),
      1_000,
    );
    expect(zero).toEqual({ b: 1_000 });
  });

  it('least-busy takes the fewest in flight', () => {
    const [a, b, c] = [aCandidate('a'), aCandidate('b'), aCandidate('c')];
    a.state.inFlight = 3;
    b.state.inFlight = 1;
    c.state.inFlight = 2;
    expect(choose('least-busy', [a, b, c], 0, seeded(1))?.deployment.id).toBe('b');
  });

  it('latency-based-routing takes the lowest average, unmeasured ones first', () => {
    const [a, b, c] = [aCandidate('a'), aCandidate('b'), aCandidate('c')];
    a.state.latencyMs = 40;
    b.state.latencyMs = 12;
    expect(choose('latency-based-routing', [a, b, c], 0, seeded(1))?.deployment.id).toBe('c');
    c.state.latencyMs = 90;
    expect(choose('latency-based-routing', [a, b, c], 0, seeded(1))?.deployment.id).toBe('b');
  });

  it('usage-based-routing never goes over a deployment’s own rpm or tpm', () => {
    const a = aCandidate('a', { rpm: 2 });
    const b = aCandidate('b', { tpm: 100 });
    a.state.minuteRequests = 2;
    expect(hasCapacity(a, 1)).toBe(false);
    b.state.minuteTokens = 90;
    expect(hasCapacity(b, 10)).toBe(true);
    expect(hasCapacity(b, 11)).toBe(false);
    expect(choose('usage-based-routing', [a, b], 10, seeded(1))?.deployment.id).toBe('b');
    expect(choose('usage-based-routing', [a, b], 11, seeded(1))).toBeNull();
  });

  it('usage-based-routing prefers the least used share of its limit', () => {
    const a = aCandidate('a', { tpm: 1_000 });
    const b = aCandidate('b', { tpm: 100 });
    a.state.minuteTokens = 500;
    b.state.minuteTokens = 20;
    expect(choose('usage-based-routing', [a, b], 1, seeded(1))?.deployment.id).toBe('b');
  });
});
