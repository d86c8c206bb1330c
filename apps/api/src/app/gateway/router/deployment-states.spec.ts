import { LocalClusterBus, type ClusterBus } from '../../cluster/cluster-bus';
import { Clock } from '../../common/time/clock';
import type { ModelDeployment } from '../../models/model-deployment';
import { COOLDOWN_CHANNEL, DeploymentStates } from './deployment-states';
import { ROUTER_DEFAULTS, RouterSettings } from './router-settings';

class FixedClock extends Clock {
  constructor(public ms: number) {
    super();
  }
  now(): Date {
    return new Date(this.ms);
  }
}

const deployment = { id: 'd1' } as ModelDeployment;

function aStates(allowedFails: number, bus: ClusterBus = new LocalClusterBus()) {
  const clock = new FixedClock(1_000_000);
  const settings = new RouterSettings({ ...ROUTER_DEFAULTS, allowedFails, cooldownMs: 5_000 });
  return { sut: new DeploymentStates(settings, clock, bus), clock };
}

describe('DeploymentStates (cooldown bookkeeping)', () => {
  it('cools a deployment down on the failure after allowed_fails within a minute', () => {
    const { sut, clock } = aStates(2);
    const state = sut.of('d1');
    expect(sut.failed(state, deployment, false, clock.ms)).toBe(false);
    expect(sut.failed(state, deployment, false, clock.ms + 10)).toBe(false);
    expect(sut.failed(state, deployment, false, clock.ms + 20)).toBe(true);
    expect(state.coolingUntilMs).toBe(clock.ms + 20 + 5_000);
  });

  it('forgets failures older than a minute', () => {
    const { sut, clock } = aStates(1);
    const state = sut.of('d1');
    sut.failed(state, deployment, false, clock.ms);
    expect(sut.failed(state, deployment, false, clock.ms + 60_000)).toBe(false);
    expect(state.coolingUntilMs).toBe(0);
  });

  it('never cools down the only deployment of a model', () => {
    const { sut, clock } = aStates(0);
    const state = sut.of('d1');
    expect(sut.failed(state, deployment, true, clock.ms)).toBe(false);
    expect(state.coolingUntilMs).toBe(0);
  });

  it('tells the other instances, and takes their cooldowns', () => {
    const published: unknown[] = [];
    let handler: ((m: unknown) => void) | null = null;
    const bus = {
      publish: (_c: unknown, m: unknown) => published.push(m),
      subscribe: (_c: unknown, h: (m: unknown) => void) => (handler = h),
      onResync: () => undefined,
    } as unknown as ClusterBus;
    const { sut, clock } = aStates(0, bus);
    sut.onModuleInit();
    sut.failed(sut.of('d1'), deployment, false, clock.ms);
    expect(published).toEqual([{ kind: 'router.cooldown', id: 'd1', untilMs: clock.ms + 5_000 }]);
    expect(COOLDOWN_CHANNEL.isMessage(published[0])).toBe(true);
    expect(COOLDOWN_CHANNEL.isMessage({ kind: 'router.cooldown', id: 1 })).toBe(false);
    (handler as unknown as (m: unknown) => void)({
      kind: 'router.cooldown',
      id: 'd2',
      untilMs: 42,
    });
    expect(sut.of('d2').coolingUntilMs).toBe(42);
  });

  it('rolls the error-rate window: this minute and the one before', () => {
    const { sut, clock } = aStates(100);
    const state = sut.of('d1');
    sut.succeeded(state, 10, clock.ms);
    sut.failed(state, deployment, false, clock.ms);
    state.roll(Math.floor(clock.ms / 60_000) + 1);
    expect([state.ok, state.errors, state.previousOk, state.previousErrors]).toEqual([0, 0, 1, 1]);
    state.roll(Math.floor(clock.ms / 60_000) + 3);
    expect([state.previousOk, state.previousErrors]).toEqual([0, 0]);
  });

  it('averages latency (EWMA)', () => {
    const { sut, clock } = aStates(1);
    const state = sut.of('d1');
    sut.succeeded(state, 100, clock.ms);
    sut.succeeded(state, 200, clock.ms);
    expect(state.latencyMs).toBeCloseTo(130);
  });

  it('usage: a settled call’s actual tokens replace its estimate, in the minute it started only', () => {
    const { sut, clock } = aStates(1);
    const state = sut.of('d1');
    const minute = Math.floor(clock.ms / 60_000);
    sut.started(state, 400, clock.ms);
    sut.started(state, 400, clock.ms);
    sut.settledTokens(state, minute, 15 - 400);
    expect([state.minuteRequests, state.minuteTokens]).toEqual([2, 415]);
    sut.settledTokens(state, minute - 1, -400); // an earlier minute's call: not this window
    expect(state.minuteTokens).toBe(415);
    state.roll(minute + 1);
    sut.settledTokens(state, minute, -400); // its minute is over
    expect(state.minuteTokens).toBe(0);
  });
});
