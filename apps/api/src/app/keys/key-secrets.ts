import { KEY_REF_PATTERN } from '@gatehouse/shared/dto';
import { randomToken, sha256Hex } from '../common/crypto/tokens';
import { AppError } from '../common/errors/app-error';

const TOKEN_ID = /^[0-9a-f]{64}$/;

/** A key named in a request: by its token id, or by its secret (looked up by hash). */
export type KeyRef = { kind: 'token'; token: string } | { kind: 'secret'; secretHash: string };

/** A secret (`sk-` + printable) or a token id (64 hex); anything else is a 400 naming `param`. */
export function parseKeyRef(value: string, param: string): KeyRef {
  if (TOKEN_ID.test(value)) return { kind: 'token', token: value };
  if (KEY_REF_PATTERN.test(value)) return { kind: 'secret', secretHash: sha256Hex(value) };
  throw AppError.badRequest(
    `${param} must be a key (sk-...) or its token id (64 hex characters)`,
    param,
  );
}

export interface NewSecret {
  /** `sk-` + 32 random bytes base64url (256 bits): shown once, never stored. */
  secret: string;
  secretHash: string;
  /** `sk-...abcd`. */
  keyName: string;
}

export function newSecret(): NewSecret {
  const secret = `sk-${randomToken(32)}`;
  return { secret, secretHash: sha256Hex(secret), keyName: `sk-...${secret.slice(-4)}` };
}
