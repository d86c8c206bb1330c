import type { ModelDeployment } from '../../models/model-deployment';
import { DeploymentState } from './deployment-states';
import type { Candidate } from './strategies';

/** The router specs' factories. */

/**
 * A small seeded PRNG (mulberry32): the same sequence on every run, for the router's specs
 * (`Router.random` and the strategies take any `() => number` in [0, 1)).
 */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A candidate with a fresh state; the deployment has no weight or limits unless given. */
export function aCandidate(id: string, fields: Partial<ModelDeployment> = {}): Candidate {
  return {
    deployment: { id, weight: null, rpm: null, tpm: null, ...fields } as ModelDeployment,
    state: new DeploymentState(),
  };
}
