/** Who may log in with a password (`admin` + the master key works in every mode). */
export type PasswordLoginSetting = 'enabled' | 'admins_only' | 'disabled';

/** `GET /sso/config` (public): what the console's login page offers. */
export interface SsoConfigResponse {
  /** Single sign-on is configured. */
  enabled: boolean;
  /** The button text: "Sign in with <display_name>"; null when SSO is off. */
  display_name: string | null;
  /** Where the button goes; null when SSO is off. */
  login_url: string | null;
  password_login: PasswordLoginSetting;
}
