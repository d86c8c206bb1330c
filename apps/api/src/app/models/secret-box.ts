import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const SALT = 'gatehouse/secret-box/v1';
const INFO = 'upstream-api-keys';

/**
 * Encrypts upstream secrets at rest with AES-256-GCM. The 256-bit key is derived with
 * HKDF-SHA256 from GATEHOUSE_ENCRYPTION_KEY when set, else from PROXY_MASTER_KEY (so
 * rotating the master key without setting GATEHOUSE_ENCRYPTION_KEY makes stored upstream
 * keys unreadable: set the old value as GATEHOUSE_ENCRYPTION_KEY before rotating).
 * Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, SALT, INFO, 32));
  }

  encrypt(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv, tag, data]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** Throws when the ciphertext was not made with this key (or was tampered with). */
  decrypt(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined) {
      throw new Error('Not a sealed secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(data, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}

/** What a response may show of a secret: `sk-...abcd` (or `...abcd`), never the secret. */
export function maskSecret(secret: string | null): string | null {
  if (!secret) return null;
  if (secret.length < 12) return '****';
  const prefix = secret.startsWith('sk-') ? 'sk-' : '';
  return `${prefix}...${secret.slice(-4)}`;
}
