import { TestBed, type ComponentFixture } from '@angular/core/testing';
import type { Role } from '@gatehouse/shared/auth';
import type { ChatUsage } from '../../data-access/chat-stream';
import {
  GatewayClient,
  GatewayError,
  type ChatResult,
  type GatewayCredential,
} from '../../data-access/gateway.client';
import { SessionService } from '../../data-access/session.service';
import { aMe } from '../../../testing/factories';
import { PlaygroundComponent, refusalText } from './playground.component';

const USAGE: ChatUsage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };

/** A gateway that answers what each spec tells it to, and records what it was asked. */
class FakeGateway {
  credentials: GatewayCredential[] = [];
  bodies: { model: string; messages: { role: string; content: string }[] }[] = [];
  modelsAnswer: string[] | GatewayError = ['gpt-mini', 'gpt-big'];
  chatAnswer: ((onText: (t: string) => void) => Promise<ChatResult>) | GatewayError = (onText) => {
    onText('Hel');
    onText('Hello');
    return Promise.resolve({
      text: 'Hello',
      usage: USAGE,
      requestId: 'req-1',
      overheadMs: 0.4,
      latencyMs: 120,
      firstTokenMs: 40,
    });
  };
  cost: { requestId: string; spend: number } | null = { requestId: 'log-1', spend: 0.00002 };

  models(credential: GatewayCredential): Promise<string[]> {
    this.credentials.push(credential);
    if (this.modelsAnswer instanceof GatewayError) return Promise.reject(this.modelsAnswer);
    return Promise.resolve(this.modelsAnswer);
  }

  async chat(
    credential: GatewayCredential,
    body: FakeGateway['bodies'][number],
    onText: (t: string) => void,
  ): Promise<ChatResult> {
    this.credentials.push(credential);
    this.bodies.push(body);
    if (this.chatAnswer instanceof GatewayError) throw this.chatAnswer;
    return this.chatAnswer(onText);
  }

  costOf(): Promise<{ requestId: string; spend: number } | null> {
    return Promise.resolve(this.cost);
  }
}

describe('PlaygroundComponent', () => {
  let fixture: ComponentFixture<PlaygroundComponent>;
  let gateway: FakeGateway;
  let root: HTMLElement;

  async function render(role: Role): Promise<void> {
    gateway = new FakeGateway();
    TestBed.configureTestingModule({
      imports: [PlaygroundComponent],
      providers: [{ provide: GatewayClient, useValue: gateway }],
    });
    TestBed.inject(SessionService).me.set(aMe(role));
    fixture = TestBed.createComponent(PlaygroundComponent);
    root = fixture.nativeElement as HTMLElement;
    await settle();
  }

  async function settle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      fixture.detectChanges();
      await fixture.whenStable();
    }
  }

  const text = (id: string) =>
    root.querySelector(`[data-testid="${id}"]`)?.textContent?.replace(/\s+/g, ' ').trim();
  const button = (name: string) =>
    Array.from(root.querySelectorAll('button')).find((b) => b.textContent?.trim() === name);

  async function type(message: string): Promise<void> {
    const box = root.querySelector('textarea');
    if (!box) throw new Error('no message box');
    box.value = message;
    box.dispatchEvent(new Event('input'));
    await settle();
  }

  it('chats on the session: streams the answer, then tokens, cost, latency and overhead', async () => {
    await render('internal_user');
    expect(gateway.credentials).toEqual([{ kind: 'session' }]);
    await type('Hi there');
    button('Send')?.click();
    await settle();
    expect(gateway.bodies[0]).toEqual({
      model: 'gpt-mini',
      messages: [{ role: 'user', content: 'Hi there' }],
    });
    expect(text('turn-answer')).toBe('Hello');
    expect(text('turn-tokens')).toBe('10 in / 5 out');
    expect(text('turn-cost')).toBe('$0.0000');
    expect(text('turn-latency')).toBe('120 ms');
    expect(text('turn-overhead')).toBe('0.4 ms');
    expect(text('turn-request-id')).toBe('req-1');

    // The next turn carries the conversation so far.
    await type('And again');
    button('Send')?.click();
    await settle();
    expect(gateway.bodies[1].messages).toEqual([
      { role: 'user', content: 'Hi there' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'And again' },
    ]);
  });

  it('shows a refusal inline (429, budget, unknown model) and keeps the page usable', async () => {
    await render('internal_user');
    gateway.chatAnswer = new GatewayError(429, 'rpm limit of 1 reached', 'rate_limit_error', '429');
    await type('Hi');
    button('Send')?.click();
    await settle();
    expect(text('turn-error')).toBe('Rate limited (429): rpm limit of 1 reached');
    expect(root.querySelector('[data-testid="turn-error"]')?.getAttribute('role')).toBe('alert');
    expect(root.querySelector('[data-testid="turn-stats"]')).toBeNull();
    expect(
      refusalText({ status: 400, type: 'budget_exceeded', message: 'Budget of $1 exceeded' }),
    ).toBe('Budget exceeded: Budget of $1 exceeded');
    expect(refusalText({ status: 404, type: null, message: 'Unknown model x' })).toBe(
      'Not available (404): Unknown model x',
    );
  });

  it('lets a viewer use a pasted key only: models and calls go with that key', async () => {
    await render('internal_user_viewer');
    expect(text('playground-viewer')).toContain('paste a key');
    expect(gateway.credentials).toEqual([]);
    const secret = root.querySelector<HTMLInputElement>('[data-testid="playground-secret"]');
    expect(secret?.type).toBe('password');
    expect(secret?.autocomplete).toBe('off');
    if (!secret) throw new Error('no secret field');
    secret.value = 'sk-typed-secret';
    secret.dispatchEvent(new Event('input'));
    await settle();
    button('Load models')?.click();
    await settle();
    await type('Hi');
    button('Send')?.click();
    await settle();
    expect(gateway.credentials).toEqual([
      { kind: 'key', secret: 'sk-typed-secret' },
      { kind: 'key', secret: 'sk-typed-secret' },
    ]);
    expect(text('turn-answer')).toBe('Hello');
  });

  it('says so when the key may call no model or is refused', async () => {
    await render('internal_user_viewer');
    gateway.modelsAnswer = new GatewayError(401, 'Invalid API key', 'auth_error', null);
    const secret = root.querySelector<HTMLInputElement>('[data-testid="playground-secret"]');
    if (!secret) throw new Error('no secret field');
    secret.value = 'sk-wrong';
    secret.dispatchEvent(new Event('input'));
    await settle();
    button('Load models')?.click();
    await settle();
    expect(text('playground-models-error')).toBe('Not accepted (401): Invalid API key');
    expect(button('Send')?.disabled).toBe(true);
  });
});
