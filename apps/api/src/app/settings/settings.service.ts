import type { SettingsResponse, TestEmailResponse } from '@gatehouse/shared/dto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { SmtpMailer } from '../common/mail/mailer';
import { AppConfig } from '../config/app-config';
import { GATEHOUSE_VERSION } from '../config/version';

/** The effective configuration without secrets, and a test mail through the real SMTP server. */
@Injectable()
export class SettingsService implements OnModuleDestroy {
  private readonly logger = new Logger('Settings');
  private readonly mailer: SmtpMailer;

  constructor(private readonly config: AppConfig) {
    this.mailer = new SmtpMailer(config.smtp);
  }

  onModuleDestroy(): void {
    this.mailer.close();
  }

  /** Only what is safe to show: kinds, switches, hosts and addresses — no URL with credentials. */
  settings(): SettingsResponse {
    const { smtp, identity, redisUrl } = this.config;
    const oidc = identity.oidc;
    return {
      version: GATEHOUSE_VERSION,
      base_url: this.config.baseUrl,
      logout_url: this.config.logoutUrl,
      database: { kind: this.config.database.type },
      redis: {
        enabled: redisUrl !== null,
        failure_mode: redisUrl === null ? null : this.config.redisFailureMode,
      },
      smtp: {
        enabled: smtp !== null,
        host: smtp?.host ?? null,
        port: smtp?.port ?? null,
        sender_email: smtp?.senderEmail ?? null,
      },
      sso: {
        enabled: oidc !== null,
        issuer: oidc?.issuer ?? null,
        password_login: identity.passwordLogin,
      },
    };
  }

  /** Sends one mail to the caller's own address; the SMTP server's own error stays in the log. */
  async testEmail(principal: Principal): Promise<TestEmailResponse> {
    if (!this.mailer.configured) {
      throw AppError.badRequest(
        'SMTP is not configured: set SMTP_HOST and SMTP_SENDER_EMAIL',
      ).withCode('smtp_not_configured');
    }
    const to = principal.email;
    if (!to) {
      throw AppError.badRequest(
        'You have no email address to send to (the master key has none): sign in as a user',
      ).withCode('no_email');
    }
    try {
      await this.mailer.send(to, {
        subject: 'Gatehouse test email',
        text: `Hello,\n\nThis is a test email from Gatehouse at ${this.config.baseUrl}. SMTP works.\n`,
        html: `<!doctype html><html><body><p>Hello,</p><p>This is a test email from Gatehouse. SMTP works.</p></body></html>`,
      });
    } catch (error) {
      this.logger.warn(`Test email to the caller failed: ${(error as Error).message}`);
      throw new AppError(
        502,
        'upstream_error',
        'The SMTP server did not accept the test email (see the server log)',
      ).withCode('smtp_failed');
    }
    return { message: `Sent a test email to ${to}`, sent_to: to };
  }
}
