import type { RoutingStrategy } from '../../config/app-config';
import type { ModelDeployment } from '../../models/model-deployment';
import type { DeploymentState } from './deployment-states';

/** A deployment the router may send the call to, with what this instance knows about it. */
export interface Candidate {
  deployment: ModelDeployment;
  state: DeploymentState;
  /** usage-based-routing with REDIS_URL: the shared counters its request slot was taken in. */
  sharedKey?: string;
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

/** One deployment's usage this minute and its own limits (null = none), for usage-based-routing. */
export interface UsageRow {
  requests: number;
  tokens: number;
  rpm: number | null;
  tpm: number | null;
}

/** Whether one more request of `tokens` keeps the deployment within its own rpm and tpm. */
export function rowHasRoom(row: UsageRow, tokens: number): boolean {
  if (row.rpm !== null && row.requests + 1 > row.rpm) return false;
  if (row.tpm !== null && row.tokens + tokens > row.tpm) return false;
  return true;
}

/** The used share of its own tpm (else rpm) limit; 0 without limits, 1 for a limit of 0. */
export function usedShare(row: UsageRow): number {
  const [used, limit] =
    row.tpm !== null ? [row.tokens, row.tpm] : row.rpm !== null ? [row.requests, row.rpm] : [0, 1];
  return limit > 0 ? used / limit : 1;
}

/**
 * usage-based-routing's rule, the one and only: among the deployments with room for one more
 * request of `tokens`, the least used share of its own limit; ties by `r` (one draw in
 * [0, 1): the `floor(r × ties)`-th, in order). -1 when none has room. The Redis script
 * (`usage-scripts.ts` TAKE) is this function in Lua; one spec runs both on the same cases.
 */
export function usagePick(rows: readonly UsageRow[], tokens: number, r: number): number {
  const best: number[] = [];
  let bestShare = Infinity;
  rows.forEach((row, i) => {
    if (!rowHasRoom(row, tokens)) return;
    const share = usedShare(row);
    if (share < bestShare) {
      bestShare = share;
      best.length = 0;
      best.push(i);
    } else if (share === bestShare) best.push(i);
  });
  return best.length === 0 ? -1 : best[Math.floor(r * best.length)];
}

/** A candidate's row from this instance's own counters (rolled to the minute by the caller). */
export function localRow(c: Candidate): UsageRow {
  return {
    requests: c.state.minuteRequests,
    tokens: c.state.minuteTokens,
    rpm: c.deployment.rpm,
    tpm: c.deployment.tpm,
  };
}

/** Whether one more request of `tokens` keeps the deployment within its own rpm and tpm. */
export function hasCapacity(c: Candidate, tokens: number): boolean {
  return rowHasRoom(localRow(c), tokens);
}

/**
 * Chooses among the deployments the call may go to (none cooling down). Null only for
 * usage-based-routing when no deployment has room within its own rpm/tpm this minute (by
 * this instance's counters: `DeploymentUsage` decides with the shared ones under REDIS_URL).
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
      const index = usagePick(candidates.map(localRow), tokens, random());
      return index < 0 ? null : candidates[index];
    }
  }
}
