import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { ClusterChannel } from '../../cluster/cluster-bus';
import { ClusterBus } from '../../cluster/cluster-bus';
import { Clock } from '../../common/time/clock';
import type { ModelDeployment } from '../../models/model-deployment';
import { RouterSettings } from './router-settings';

export const MINUTE_MS = 60_000;
/** Weight of the newest sample in the latency average (EWMA). */
const LATENCY_ALPHA = 0.3;

/** What one instance knows about one deployment (by id: it survives model reloads). */
export class DeploymentState {
  inFlight = 0;
  /** Moving average of the time to the upstream's response headers; null before any answer. */
  latencyMs: number | null = null;
  coolingUntilMs = 0;
  /** Failures in the window that started at `failWindowStartMs` (allowed_fails). */
  fails = 0;
  failWindowStartMs = 0;
  /** usage-based-routing: requests and tokens sent in the current minute. */
  usageMinute = -1;
  minuteRequests = 0;
  minuteTokens = 0;
  /** Answers and errors in this minute and the one before (the recent error rate). */
  rateMinute = -1;
  ok = 0;
  errors = 0;
  previousOk = 0;
  previousErrors = 0;

  /** Rolls the per-minute counters forward to `minute`. */
  roll(minute: number): void {
    if (this.usageMinute !== minute) {
      this.usageMinute = minute;
      this.minuteRequests = 0;
      this.minuteTokens = 0;
    }
    if (this.rateMinute !== minute) {
      const adjacent = this.rateMinute === minute - 1;
      this.previousOk = adjacent ? this.ok : 0;
      this.previousErrors = adjacent ? this.errors : 0;
      this.ok = 0;
      this.errors = 0;
      this.rateMinute = minute;
    }
  }
}

export interface CooldownMessage {
  kind: 'router.cooldown';
  id: string;
  untilMs: number;
}

/** Cooldowns are told to every instance (the cluster bus: Redis pub/sub with REDIS_URL). */
export const COOLDOWN_CHANNEL: ClusterChannel<CooldownMessage> = {
  name: 'gatehouse:router:cooldown',
  isMessage: (v): v is CooldownMessage =>
    typeof v === 'object' &&
    v !== null &&
    (v as CooldownMessage).kind === 'router.cooldown' &&
    typeof (v as CooldownMessage).id === 'string' &&
    Number.isFinite((v as CooldownMessage).untilMs),
};

/**
 * The router's bookkeeping per deployment: in flight, latency, usage this minute, failures
 * within a minute and cooldowns. Counters are this instance's own (usage-based-routing's are
 * shared through Redis by `DeploymentUsage`); a cooldown is told to every instance.
 */
@Injectable()
export class DeploymentStates implements OnModuleInit {
  private readonly states = new Map<string, DeploymentState>();

  constructor(
    private readonly settings: RouterSettings,
    private readonly clock: Clock,
    private readonly bus: ClusterBus,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(COOLDOWN_CHANNEL, (m) => {
      const state = this.of(m.id);
      state.coolingUntilMs = Math.max(state.coolingUntilMs, m.untilMs);
    });
  }

  of(id: string): DeploymentState {
    let state = this.states.get(id);
    if (!state) {
      state = new DeploymentState();
      this.states.set(id, state);
    }
    return state;
  }

  /** A request goes to `deployment` (usage-based routing counts it against its minute). */
  started(state: DeploymentState, tokens: number, nowMs: number): void {
    state.inFlight += 1;
    state.roll(Math.floor(nowMs / MINUTE_MS));
    state.minuteRequests += 1;
    state.minuteTokens += tokens;
  }

  /**
   * A usage-based call settled: its actual tokens replace the estimate `started` counted, in
   * the minute it started in (a minute that is over is left as it was).
   */
  settledTokens(state: DeploymentState, minute: number, delta: number): void {
    if (state.usageMinute === minute) state.minuteTokens += delta;
  }

  /** The upstream answered 2xx after `latencyMs`. */
  succeeded(state: DeploymentState, latencyMs: number, nowMs: number): void {
    state.roll(Math.floor(nowMs / MINUTE_MS));
    state.ok += 1;
    state.latencyMs =
      state.latencyMs === null
        ? latencyMs
        : state.latencyMs + LATENCY_ALPHA * (latencyMs - state.latencyMs);
  }

  /**
   * The deployment failed (a status or transport error that is its fault). More than
   * `allowed_fails` failures within a minute cool it down for `cooldown_time` — unless it is
   * its model's only deployment (as LiteLLM: there is nowhere else to send the call, and a
   * cooldown would only turn the upstream's error into a 503). True when it cooled down now.
   */
  failed(
    state: DeploymentState,
    deployment: ModelDeployment,
    alone: boolean,
    nowMs: number,
  ): boolean {
    state.roll(Math.floor(nowMs / MINUTE_MS));
    state.errors += 1;
    if (nowMs - state.failWindowStartMs >= MINUTE_MS) {
      state.failWindowStartMs = nowMs;
      state.fails = 0;
    }
    state.fails += 1;
    if (alone || state.fails <= this.settings.allowedFails || this.settings.cooldownMs === 0) {
      return false;
    }
    state.fails = 0;
    state.failWindowStartMs = nowMs;
    state.coolingUntilMs = nowMs + this.settings.cooldownMs;
    this.bus.publish(COOLDOWN_CHANNEL, {
      kind: 'router.cooldown',
      id: deployment.id,
      untilMs: state.coolingUntilMs,
    });
    return true;
  }

  /** In-flight count back down (the answer ended, or the attempt failed). */
  ended(state: DeploymentState): void {
    if (state.inFlight > 0) state.inFlight -= 1;
  }

  /** A deployment's state for `/health/models`, with its counters rolled to now. */
  view(id: string): DeploymentState | undefined {
    const state = this.states.get(id);
    state?.roll(Math.floor(this.clock.nowMs() / MINUTE_MS));
    return state;
  }
}

/** The part of the current minute still to run (a usage-based Retry-After). */
export function msToNextMinute(nowMs: number): number {
  return MINUTE_MS - (nowMs % MINUTE_MS);
}
