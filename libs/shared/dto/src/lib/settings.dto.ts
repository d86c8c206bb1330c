/**
 * `GET /settings`: the effective configuration, as far as an admin needs to see it — never a
 * secret (no master key, passwords, database or Redis URLs, SMTP credentials, client secrets).
 */
export interface SettingsResponse {
  version: string;
  /** PROXY_BASE_URL: the start of every link in mails and snippets. */
  base_url: string;
  /** PROXY_LOGOUT_URL: where the console goes after logout. */
  logout_url: string;
  database: { kind: 'sqlite' | 'postgres' };
  redis: { enabled: boolean; failure_mode: string | null };
  smtp: { enabled: boolean; host: string | null; port: number | null; sender_email: string | null };
  sso: { enabled: boolean; issuer: string | null; password_login: string };
}

/** `POST /settings/test-email`: where the test mail went (the caller's own address). */
export interface TestEmailResponse {
  message: string;
  sent_to: string;
}
