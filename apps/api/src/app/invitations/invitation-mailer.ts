import { Injectable } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig, type SmtpConfig } from '../config/app-config';

export interface InvitationEmail {
  to: string;
  link: string;
  expiresAt: Date;
}

const SUBJECT = 'You are invited to Gatehouse';
/** Bounded waits so that a dead SMTP server fails the delivery instead of hanging it. */
const SMTP_TIMEOUT_MS = 15_000;

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** The message an invited user receives: the same link in a plain-text and an HTML part. */
export function invitationMessage(email: InvitationEmail): {
  subject: string;
  text: string;
  html: string;
} {
  const expires = email.expiresAt.toISOString();
  const text = [
    'Hello,',
    '',
    'You have been invited to Gatehouse. Open this link to set your password and sign in:',
    '',
    email.link,
    '',
    `The link works once and expires at ${expires}.`,
  ].join('\n');
  const link = escapeHtml(email.link);
  const html = [
    '<!doctype html><html><body>',
    '<p>Hello,</p>',
    '<p>You have been invited to Gatehouse. Open this link to set your password and sign in:</p>',
    `<p><a href="${link}">${link}</a></p>`,
    `<p>The link works once and expires at ${escapeHtml(expires)}.</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: SUBJECT, text, html };
}

/** Sends invitation emails through SMTP (SMTP_HOST & co.); absent when SMTP is not set up. */
@Injectable()
export class InvitationMailer {
  private readonly smtp: SmtpConfig | null;
  private transport: Transporter | null = null;

  constructor(config: AppConfig) {
    this.smtp = config.smtp;
  }

  get configured(): boolean {
    return this.smtp !== null;
  }

  /** Resolves once the SMTP server accepted the message; rejects with its error otherwise. */
  async send(email: InvitationEmail): Promise<void> {
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
    await this.transport.sendMail({
      from: smtp.senderEmail,
      to: email.to,
      ...invitationMessage(email),
    });
  }

  close(): void {
    this.transport?.close();
    this.transport = null;
  }
}
