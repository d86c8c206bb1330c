import type { InvitationResponse } from '@gatehouse/shared/dto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createUser, master, uniqueEmail } from './support/callers';
import { closedPort } from './support/smtp';
import { startApp, type TestApp } from './support/test-app';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

interface Parts {
  subject: string;
  text: string;
  html: string;
}

/** A real SMTP server on loopback: records messages, rejects `reject-*`, holds `hold-*`. */
class TestSmtpServer {
  readonly messages: Received[] = [];
  private waiters: { to: string; resolve: (m: Received) => void }[] = [];
  private releaseHeld: () => void = () => undefined;
  private readonly held = new Promise<void>((resolve) => (this.releaseHeld = resolve));
  readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo: (address, _session, callback) => {
      if (address.address.startsWith('reject-')) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const message: Received = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        };
        const finish = (): void => {
          this.messages.push(message);
          for (const w of this.waiters.filter((w) => message.to.includes(w.to))) w.resolve(message);
          this.waiters = this.waiters.filter((w) => !message.to.includes(w.to));
          callback();
        };
        if (message.to.some((to) => to.startsWith('hold-'))) void this.held.then(finish);
        else finish();
      });
    },
  });

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.server.address() as AddressInfo).port;
  }

  release(): void {
    this.releaseHeld();
  }

  /** Resolves when a message to `to` has arrived (or already had). */
  messageTo(to: string): Promise<Received> {
    const found = this.messages.find((m) => m.to.includes(to));
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ to, resolve }));
  }

  stop(): Promise<void> {
    this.release();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function decode(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body
          .replace(/=\r?\n/g, '')
          .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    default:
      return body;
  }
}

function headerOf(headers: string, name: string): string {
  const unfolded = headers.replace(/\r?\n[ \t]+/g, ' ');
  const match = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return match?.[1]?.trim() ?? '';
}

/** Just enough MIME: the text/plain and text/html parts of a multipart/alternative mail. */
function partsOf(raw: string): Parts {
  const [head] = raw.split(/\r?\n\r?\n/);
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headerOf(head, 'Content-Type'))?.[1];
  if (!boundary) throw new Error(`not multipart:\n${raw}`);
  const parts: Parts = { subject: headerOf(head, 'Subject'), text: '', html: '' };
  for (const section of raw.split(`--${boundary}`).slice(1)) {
    const split = /\r?\n\r?\n/.exec(section);
    if (!split) continue;
    const headers = section.slice(0, split.index);
    const body = section.slice(split.index + split[0].length);
    const type = headerOf(headers, 'Content-Type');
    const content = decode(body, headerOf(headers, 'Content-Transfer-Encoding') || '7bit');
    if (type.startsWith('text/plain')) parts.text = content;
    if (type.startsWith('text/html')) parts.html = content;
  }
  return parts;
}

/** Polls the invitation until its email left the `pending` state (the send is asynchronous). */
async function settled(t: TestApp, invitationId: string): Promise<InvitationResponse> {
  for (let i = 0; i < 250; i++) {
    const res = await master(t).get(`/invitation/info?invitation_id=${invitationId}`).expect(200);
    const invitation = res.body as InvitationResponse;
    if (invitation.email_status !== 'pending') return invitation;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`invitation ${invitationId} is still pending`);
}

/** A port nothing listens on. */
const BASE_URL = 'http://gatehouse.test:4000';
const SENDER = 'gatehouse@example.com';

describe('invitation emails through a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    const port = await smtp.start();
    t = await startApp({
      env: {
        PROXY_BASE_URL: BASE_URL,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(port),
        SMTP_SENDER_EMAIL: SENDER,
        SMTP_TLS: 'false',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  function expectLinkIn(parts: Parts, invitationId: string): void {
    const link = `${BASE_URL}/ui/onboarding?id=${invitationId}`;
    expect(parts.subject).toMatch(/invited/i);
    expect(parts.text).toContain(link);
    expect(parts.html).toContain(`<a href="${link}">`);
  }

  it('POST /invitation/new with send_email mails the link (text and HTML) and records it', async () => {
    const user = await createUser(t, 'internal_user');
    const res = await master(t)
      .post('/invitation/new', { user_id: user.user_id, send_email: true })
      .expect(200);
    const invitation = res.body as InvitationResponse;
    expect(invitation.email_status).toBe('pending');

    const message = await smtp.messageTo(user.user_email ?? '');
    expect(message.from).toBe(SENDER);
    expectLinkIn(partsOf(message.raw), invitation.id);

    const after = await settled(t, invitation.id);
    expect(after).toMatchObject({ email_status: 'sent', email_error: null });
    expect(after.emailed_at).not.toBeNull();
    // The mailed link works.
    await t.http.get(`/onboarding/get_token?invite_link=${invitation.id}`).expect(200);
  });

  it('POST /user/new with send_invite_email creates an invitation and mails it', async () => {
    const email = uniqueEmail('invitee');
    const res = await master(t)
      .post('/user/new', { user_email: email, user_role: 'internal_user', send_invite_email: true })
      .expect(200);
    const message = await smtp.messageTo(email);
    const parts = partsOf(message.raw);
    const id = /onboarding\?id=([0-9a-f-]{36})/.exec(parts.text)?.[1] ?? '';
    expectLinkIn(parts, id);
    const invitation = await settled(t, id);
    expect(invitation).toMatchObject({ user_id: res.body.user_id, email_status: 'sent' });
    const token = await t.http.get(`/onboarding/get_token?invite_link=${id}`).expect(200);
    expect(token.body).toMatchObject({ user_id: res.body.user_id, user_email: email });
  });

  it('answers before the SMTP server has accepted the message', async () => {
    const user = await createUser(t, 'internal_user', { user_email: uniqueEmail('hold-me') });
    const res = await master(t)
      .post('/invitation/new', { user_id: user.user_id, send_email: true })
      .expect(200);
    expect(res.body.email_status).toBe('pending');
    const info = await master(t).get(`/invitation/info?invitation_id=${res.body.id}`).expect(200);
    expect(info.body.email_status).toBe('pending');
    smtp.release();
    await smtp.messageTo(user.user_email ?? '');
    expect((await settled(t, res.body.id as string)).email_status).toBe('sent');
  });

  it('records a rejected message as failed on the invitation', async () => {
    const user = await createUser(t, 'internal_user', { user_email: uniqueEmail('reject-me') });
    const res = await master(t)
      .post('/invitation/new', { user_id: user.user_id, send_email: true })
      .expect(200);
    const invitation = await settled(t, res.body.id as string);
    expect(invitation.email_status).toBe('failed');
    expect(invitation.email_error).toMatch(/550|Mailbox unavailable|rejected/i);
    expect(invitation.emailed_at).toBeNull();
    // The invitation itself stays usable: the admin can share the link by hand.
    await t.http.get(`/onboarding/get_token?invite_link=${invitation.id}`).expect(200);
  });

  it('does not mail without the flag', async () => {
    const user = await createUser(t, 'internal_user');
    const res = await master(t).post('/invitation/new', { user_id: user.user_id }).expect(200);
    expect(res.body.email_status).toBeNull();
    expect(smtp.messages.some((m) => m.to.includes(user.user_email ?? ''))).toBe(false);
  });
});

describe('invitation emails when the SMTP server is down', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp({
      env: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(await closedPort()),
        SMTP_SENDER_EMAIL: SENDER,
      },
    });
  });
  afterAll(() => t.close());

  it('still answers 200 and records the failure on the invitation', async () => {
    const user = await createUser(t, 'internal_user');
    const res = await master(t)
      .post('/invitation/new', { user_id: user.user_id, send_email: true })
      .expect(200);
    expect(res.body.email_status).toBe('pending');
    const invitation = await settled(t, res.body.id as string);
    expect(invitation.email_status).toBe('failed');
    expect(invitation.email_error).toMatch(/ECONNREFUSED|connect/i);
  });
});
