import { createTransport, type Transporter } from 'nodemailer';
import type { SmtpConfig } from '../../config/app-config';

/** A mail with the same content as plain text and as HTML. */
export interface MailMessage {
  subject: string;
  text: string;
  html: string;
}

/** A mail whose point is one link (invitation, password reset). */
export interface LinkMail {
  subject: string;
  /** Paragraphs before the link (plain text; escaped for HTML here). */
  intro: string[];
  /** Built from PROXY_BASE_URL by the caller, never from a request's Host header. */
  link: string;
  /** Paragraphs after the link. */
  outro: string[];
}

/** Bounded waits so that a dead SMTP server fails the delivery instead of hanging it. */
const SMTP_TIMEOUT_MS = 15_000;

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** The one layout of Gatehouse's mails: a greeting, the paragraphs, the link in both parts. */
export function linkMessage(mail: LinkMail): MailMessage {
  const text = ['Hello,', '', ...mail.intro.flatMap((p) => [p, '']), mail.link, '']
    .concat(mail.outro.flatMap((p, i) => (i === 0 ? [p] : ['', p])))
    .join('\n');
  const link = escapeHtml(mail.link);
  const html = [
    '<!doctype html><html><body>',
    '<p>Hello,</p>',
    ...mail.intro.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<p><a href="${link}">${link}</a></p>`,
    ...mail.outro.map((p) => `<p>${escapeHtml(p)}</p>`),
    '</body></html>',
  ].join('\n');
  return { subject: mail.subject, text, html };
}

/** Sends mail through SMTP (SMTP_HOST & co.); `configured` is false when SMTP is not set up. */
export class SmtpMailer {
  private transport: Transporter | null = null;

  constructor(private readonly smtp: SmtpConfig | null) {}

  get configured(): boolean {
    return this.smtp !== null;
  }

  /** Resolves once the SMTP server accepted the message; rejects with its error otherwise. */
  async send(to: string, message: MailMessage): Promise<void> {
    const smtp = this.smtp;
    if (!smtp) throw new Error('SMTP is not configured (set SMTP_HOST and SMTP_SENDER_EMAIL)');
    this.transport ??= createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.tls,
      ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password ?? '' } } : {}),
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    });
    await this.transport.sendMail({ from: smtp.senderEmail, to, ...message });
  }

  close(): void {
    this.transport?.close();
    this.transport = null;
  }
}
