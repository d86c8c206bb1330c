import type { RoutingStrategy } from '../../config/app-config';
import type { ModelDeployment } from '../../models/model-deployment';
import type { DeploymentState } from './deployment-states';

/** A deployment the router may send the call to, with what this instance knows about it. */
export interface Candidate {
  deployment: ModelDeployment;
  state: DeploymentState;
}

/**
 * simple-shuffle: a random deployment, weighted by `litellm_params.weight` (default 1; a
 * weight of 0 is only chosen when every weight is 0).
 */
export function weightedShuffle(candidates: readonly Candidate[], random: () => number): Candidate {
  let total = 0;
  for (const c of candidates) total += c.deployment.weight ?? 1;
  if (total <= 0) return candidates[Math.floor(random() * candidates.length)];
  let point = random() * total;
  for (const c of candidates) {
    point -= c.deployment.weight ?? 1;
    if (point < 0) return c;
  }
  return candidates[candidates.length - 1];
}

/** The candidates with the lowest `score`; ties broken at random (so equals share the load). */
function lowest(
  candidates: readonly Candidate[],
  score: (c: Candidate) => number,
  random: () => number,
): Candidate {
  let best: Candidate[] = [];
  let bestScore = Infinity;
  for (const c of candidates) {
    const s = score(c);
    if (s < bestScore) {
      bestScore = s;
      best = [c];
    } else if (s === bestScore) best.push(c);
  }
  return best[Math.floor(random() * best.length)];
}

/** Whether one more request of `tokens` keeps the deployment within its own rpm and tpm. */
export function hasCapacity(c: Candidate, tokens: number): boolean {
  const { rpm, tpm } = c.deployment;
  if (rpm !== null && c.state.minuteRequests + 1 > rpm) return false;
  if (tpm !== null && c.state.minuteTokens + tokens > tpm) return false;
  return true;
}

/**
 * Chooses among the deployments the call may go to (none cooling down). Null only for
 * usage-based-routing when no deployment has room within its own rpm/tpm this minute.
 * The counters are the caller's to roll to the current minute first.
 */
export function choose(
  strategy: RoutingStrategy,
  candidates: readonly Candidate[],
  tokens: number,
  random: () => number,
): Candidate | null {
  switch (strategy) {
    case 'simple-shuffle':
      return weightedShuffle(candidates, random);
    case 'least-busy':
      return lowest(candidates, (c) => c.state.inFlight, random);
    case 'latency-based-routing':
      // Not measured yet counts as fastest: every deployment gets tried.
      return lowest(candidates, (c) => c.state.latencyMs ?? 0, random);
    case 'usage-based-routing': {
      const open = candidates.filter((c) => hasCapacity(c, tokens));
      if (open.length === 0) return null;
      // The least used share of its own tpm (or rpm) limit; unlimited ones by raw tokens.
      return lowest(
        open,
        (c) =>
          c.deployment.tpm !== null
            ? c.state.minuteTokens / c.deployment.tpm
            : c.deployment.rpm !== null
              ? c.state.minuteRequests / c.deployment.rpm
              : 0,
        random,
      );
    }
  }
}
