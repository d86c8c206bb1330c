import { Injectable } from '@nestjs/common';
import { linkMessage, SmtpMailer, type MailMessage } from '../common/mail/mailer';
import { AppConfig } from '../config/app-config';

export interface InvitationEmail {
  to: string;
  link: string;
  expiresAt: Date;
}

/** The message an invited user receives: the same link in a plain-text and an HTML part. */
export function invitationMessage(email: InvitationEmail): MailMessage {
  return linkMessage({
    subject: 'You are invited to Gatehouse',
    intro: ['You have been invited to Gatehouse. Open this link to set your password and sign in:'],
    link: email.link,
    outro: [`The link works once and expires at ${email.expiresAt.toISOString()}.`],
  });
}

/** Sends invitation emails through SMTP (SMTP_HOST & co.); absent when SMTP is not set up. */
@Injectable()
export class InvitationMailer {
  private readonly mailer: SmtpMailer;

  constructor(config: AppConfig) {
    this.mailer = new SmtpMailer(config.smtp);
  }

  get configured(): boolean {
    return this.mailer.configured;
  }

  /** Resolves once the SMTP server accepted the message; rejects with its error otherwise. */
  send(email: InvitationEmail): Promise<void> {
    return this.mailer.send(email.to, invitationMessage(email));
  }

  close(): void {
    this.mailer.close();
  }
}
