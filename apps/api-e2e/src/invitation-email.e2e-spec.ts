import type { InvitationResponse } from '@gatehouse/shared/dto';
import { createUser, master, uniqueEmail } from './support/callers';
import { closedPort, partsOf, RecordingSmtpServer, type MailParts } from './support/smtp';
import { startApp, type TestApp } from './support/test-app';

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

const BASE_URL = 'http://gatehouse.test:4000';
const SENDER = 'gatehouse@example.com';

describe('invitation emails through a real SMTP server', () => {
  let smtp: RecordingSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = new RecordingSmtpServer();
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

  function expectLinkIn(parts: MailParts, invitationId: string): void {
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
