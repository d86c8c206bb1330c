import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import type { ChatUsage } from '../../data-access/chat-stream';
import {
  GatewayClient,
  GatewayError,
  type ChatMessage,
  type GatewayCredential,
} from '../../data-access/gateway.client';
import { SessionService } from '../../data-access/session.service';
import { usd } from '../../shared/format';
import { formatMs } from '../logs/log-view';

/** One exchange: what was asked, what came back (so far), and what it took. */
export interface Turn {
  model: string;
  prompt: string;
  answer: string;
  state: 'streaming' | 'done' | 'failed' | 'stopped';
  error: { status: number; type: string | null; message: string } | null;
  usage: ChatUsage | null;
  latencyMs: number | null;
  firstTokenMs: number | null;
  overheadMs: number | null;
  requestId: string | null;
  /** undefined: still being looked up; null: not found in the logs in time. */
  cost: number | null | undefined;
}

/** A refusal in plain words: what the gateway said, and what it means for the caller. */
export function refusalText(error: { status: number; type: string | null; message: string }) {
  if (error.status === 429) return `Rate limited (429): ${error.message}`;
  if (error.type === 'budget_exceeded') return `Budget exceeded: ${error.message}`;
  if (error.status === 404) return `Not available (404): ${error.message}`;
  if (error.status === 401) return `Not accepted (401): ${error.message}`;
  if (error.status === 403) return `Not allowed (403): ${error.message}`;
  return `Failed (${error.status || 'network'}): ${error.message}`;
}

/**
 * `/ui/playground`: chat with a model through the gateway, on the console session or a key
 * typed in (kept in memory only, never stored), streaming; every turn shows its tokens, cost
 * (from the caller's own spend log), latency and the gateway's overhead. It is a plain gateway
 * call, so every limit applies and every refusal shows inline.
 */
@Component({
  selector: 'gh-playground',
  imports: [
    FormsModule,
    MatButtonModule,
    MatButtonToggleModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './playground.component.html',
  styles: `
    .setup {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0 16px;
    }
    .setup mat-button-toggle-group {
      margin-bottom: 20px;
    }
    .turn {
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 8px;
      padding: 8px 16px;
      margin-bottom: 12px;
    }
    .turn h2 {
      font-size: 0.875rem;
      font-weight: 500;
      margin: 8px 0 0;
    }
    .turn .text {
      white-space: pre-wrap;
      overflow-wrap: anywhere;
      margin: 4px 0 8px;
    }
    .stats {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 16px;
      margin: 0;
      font-size: 0.875rem;
    }
    .stats div {
      display: flex;
      gap: 4px;
    }
    .stats dd {
      margin: 0;
    }
    .compose {
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    .compose mat-form-field {
      width: 100%;
    }
    .actions {
      display: flex;
      gap: 8px;
    }
    .refusal {
      color: var(--mat-sys-error);
    }
  `,
})
export class PlaygroundComponent {
  private readonly gateway = inject(GatewayClient);
  private readonly session = inject(SessionService);

  /** A session can call the data plane only with `gateway.call` (viewers cannot). */
  protected readonly sessionMayCall = computed(
    () => this.session.me() !== null && this.session.can('gateway.call'),
  );
  protected readonly mode = signal<'session' | 'key'>('session');
  protected readonly secret = signal('');
  protected readonly models = signal<string[]>([]);
  protected readonly modelsError = signal<string | null>(null);
  protected readonly model = signal<string | null>(null);
  protected readonly prompt = signal('');
  protected readonly turns = signal<Turn[]>([]);
  protected readonly busy = computed(() => this.turns().some((t) => t.state === 'streaming'));
  protected readonly canSend = computed(
    () =>
      !this.busy() &&
      this.model() !== null &&
      this.prompt().trim() !== '' &&
      (this.mode() === 'session' ? this.sessionMayCall() : this.secret().trim() !== ''),
  );
  protected readonly usd = usd;
  protected readonly formatMs = (ms: number | null) =>
    formatMs(ms === null ? null : Math.round(ms));
  /** The gateway's own time is well under a millisecond: show a tenth. */
  protected readonly overhead = (ms: number | null) =>
    ms === null ? '—' : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  protected readonly refusalText = refusalText;
  private abort: AbortController | null = null;
  private readonly claimed = new Set<string>();

  constructor() {
    if (!this.sessionMayCall()) this.mode.set('key');
    else void this.loadModels();
  }

  private credential(): GatewayCredential {
    return this.mode() === 'key'
      ? { kind: 'key', secret: this.secret().trim() }
      : { kind: 'session' };
  }

  protected setMode(mode: 'session' | 'key'): void {
    this.mode.set(mode);
    this.models.set([]);
    this.model.set(null);
    this.modelsError.set(null);
    if (mode === 'session') void this.loadModels();
  }

  /** The models the chosen credential may call (`/v1/models` answers exactly those). */
  protected async loadModels(): Promise<void> {
    this.modelsError.set(null);
    try {
      const models = await this.gateway.models(this.credential());
      this.models.set(models);
      const current = this.model();
      this.model.set(current !== null && models.includes(current) ? current : (models[0] ?? null));
      if (models.length === 0) this.modelsError.set('No models are available to this caller.');
    } catch (error) {
      this.models.set([]);
      this.model.set(null);
      this.modelsError.set(
        error instanceof GatewayError ? refusalText(error) : 'Could not load the models.',
      );
    }
  }

  protected clear(): void {
    this.turns.set([]);
  }

  protected stop(): void {
    this.abort?.abort();
  }

  /** Ctrl+Enter (or Cmd+Enter) sends, like most chat boxes; Enter alone adds a line. */
  protected keydown(event: KeyboardEvent): void {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void this.send();
    }
  }

  async send(): Promise<void> {
    const model = this.model();
    const prompt = this.prompt().trim();
    if (!this.canSend() || model === null) return;
    const credential = this.credential();
    const history: ChatMessage[] = this.turns()
      .filter((t) => t.state === 'done')
      .flatMap((t) => [
        { role: 'user' as const, content: t.prompt },
        { role: 'assistant' as const, content: t.answer },
      ]);
    const index = this.turns().length;
    this.turns.update((turns) => [
      ...turns,
      {
        model,
        prompt,
        answer: '',
        state: 'streaming',
        error: null,
        usage: null,
        latencyMs: null,
        firstTokenMs: null,
        overheadMs: null,
        requestId: null,
        cost: undefined,
      },
    ]);
    this.prompt.set('');
    const update = (patch: Partial<Turn>) =>
      this.turns.update((turns) => turns.map((t, i) => (i === index ? { ...t, ...patch } : t)));
    const since = new Date();
    this.abort = new AbortController();
    try {
      const result = await this.gateway.chat(
        credential,
        { model, messages: [...history, { role: 'user', content: prompt }] },
        (answer) => update({ answer }),
        this.abort.signal,
      );
      update({
        state: 'done',
        answer: result.text,
        usage: result.usage,
        latencyMs: result.latencyMs,
        firstTokenMs: result.firstTokenMs,
        overheadMs: result.overheadMs,
        requestId: result.requestId,
      });
      if (result.usage) void this.lookUpCost(index, credential, model, result.usage, since);
      else update({ cost: null });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') {
        update({ state: 'stopped', cost: null });
      } else {
        const refusal =
          error instanceof GatewayError
            ? { status: error.status, type: error.type, message: error.message }
            : { status: 0, type: null, message: 'The gateway could not be reached.' };
        update({ state: 'failed', error: refusal, cost: null });
      }
    } finally {
      this.abort = null;
    }
  }

  private async lookUpCost(
    index: number,
    credential: GatewayCredential,
    model: string,
    usage: ChatUsage,
    since: Date,
  ): Promise<void> {
    let cost: number | null = null;
    try {
      const found = await this.gateway.costOf(
        credential,
        { model, usage, since, userId: this.session.me()?.user_id ?? null },
        this.claimed,
      );
      if (found) {
        this.claimed.add(found.requestId);
        cost = found.spend;
      }
    } catch {
      // The cost is a convenience: the turn stands without it.
    }
    this.turns.update((turns) => turns.map((t, i) => (i === index ? { ...t, cost } : t)));
  }
}
