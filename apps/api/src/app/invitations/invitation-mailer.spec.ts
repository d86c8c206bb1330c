import type { AppConfig } from '../config/app-config';
import { InvitationMailer, invitationMessage } from './invitation-mailer';

describe('invitationMessage', () => {
  const link = 'https://gatehouse.example.com/ui/onboarding?id=abc';

  it('carries the link in the text and the HTML part, with the expiry', () => {
    const sut = invitationMessage({
      to: 'a@example.com',
      link,
      expiresAt: new Date('2026-01-08T00:00:00.000Z'),
    });
    expect(sut.text).toContain(link);
    expect(sut.html).toContain(`<a href="${link}">${link}</a>`);
    expect(sut.text).toContain('2026-01-08T00:00:00.000Z');
  });

  it('escapes the link in HTML', () => {
    const sut = invitationMessage({
      to: 'a@example.com',
      link: 'https://x.test/ui/onboarding?id=1&a="<b>',
      expiresAt: new Date(0),
    });
    expect(sut.html).toContain('id=1&amp;a=&quot;&lt;b&gt;');
    expect(sut.html).not.toContain('"<b>');
  });
});

describe('InvitationMailer', () => {
  it('says whether SMTP is configured and refuses to send without it', async () => {
    const sut = new InvitationMailer({ smtp: null } as AppConfig);
    expect(sut.configured).toBe(false);
    await expect(sut.send({ to: 'a@b.c', link: 'x', expiresAt: new Date() })).rejects.toThrow(
      /SMTP/,
    );
  });
});
