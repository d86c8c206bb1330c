import { KEY_TYPES, type KeyType } from '@gatehouse/shared/auth';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, Matches } from 'class-validator';
import { ID_PATTERN } from './common.dto';
import { DURATION_MESSAGE, DURATION_PATTERN } from './duration';
import {
  BoundedInt,
  MAX_COUNT,
  MAX_PAGE,
  Metadata,
  Nullable,
  Optional,
  QueryInt,
  Text,
  Usd,
} from './field-rules';

/**
 * How a key is named in a request: its secret (`sk-` + printable ASCII, at most 512 characters)
 * or its `token` id (SHA-256 hex of the original secret). Anything else is a 400.
 */
export const KEY_REF_PATTERN = /^(sk-[\x21-\x7e]{1,509}|[0-9a-f]{64})$/;
const KEY_REF_MESSAGE = 'must be a key (sk-...) or its token id (64 hex characters)';

/** The fields a key carries, shared by generate and update (null clears on update). */
class KeyFieldsRequest {
  @Nullable()
  @Text(256)
  key_alias?: string | null;

  /** Until when the key works, from now: 30s, 10m, 2h, 7d, 1mo; absent/null = never expires. */
  @Nullable()
  @Matches(DURATION_PATTERN, { message: `duration ${DURATION_MESSAGE}` })
  duration?: string | null;

  /** [] allows every model the owner may use; there is no "null" list. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(500)
  @Text(256, { each: true })
  models?: string[];

  /** null: unlimited (within the owner's and the team's budgets). */
  @Nullable()
  @Usd()
  max_budget?: number | null;

  @Nullable()
  @Matches(DURATION_PATTERN, { message: `budget_duration ${DURATION_MESSAGE}` })
  budget_duration?: string | null;

  @Nullable()
  @BoundedInt(0, MAX_COUNT)
  tpm_limit?: number | null;

  @Nullable()
  @BoundedInt(0, MAX_COUNT)
  rpm_limit?: number | null;

  @Nullable()
  @BoundedInt(0, MAX_COUNT)
  max_parallel_requests?: number | null;

  /** Replaced whole on update; `{}` empties it. */
  @Optional()
  @Metadata()
  metadata?: Record<string, unknown>;

  /** An existing team; non-admins only a team they are in (team admins: for any member). */
  @Nullable()
  @Matches(ID_PATTERN, { message: 'team_id may hold letters, digits and ._@:- (1-128)' })
  team_id?: string | null;

  @Optional()
  @IsBoolean()
  blocked?: boolean;

  /**
   * What the key may be used for: `default` (LLM API and management API), `llm_api` (LLM API
   * only), `management` (management API only), `read_only` (management reads only). Default
   * `default`; a key made for somebody else by a non-admin is always `llm_api`.
   */
  @Optional()
  @IsIn(KEY_TYPES)
  key_type?: KeyType;
}

/** `POST /key/generate`. */
export class GenerateKeyRequest extends KeyFieldsRequest {
  /** The owner; defaults to the caller. Only proxy_admin may name somebody else. */
  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id?: string;
}

/** `POST /key/update`. */
export class UpdateKeyRequest extends KeyFieldsRequest {
  @Matches(KEY_REF_PATTERN, { message: `key ${KEY_REF_MESSAGE}` })
  key!: string;

  /** Moving a key to another user is for proxy_admin only. */
  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id?: string;
}

/** `POST /key/delete {keys}` or `{key_aliases}` (or both). */
export class DeleteKeysRequest {
  @Optional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @Matches(KEY_REF_PATTERN, { each: true, message: `each of keys ${KEY_REF_MESSAGE}` })
  keys?: string[];

  @Optional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @Text(256, { each: true })
  key_aliases?: string[];
}

/** `POST /key/regenerate`. */
export class RegenerateKeyRequest {
  @Matches(KEY_REF_PATTERN, { message: `key ${KEY_REF_MESSAGE}` })
  key!: string;

  /** How long the old secret keeps working (e.g. 10m); absent = it stops at once. */
  @Optional()
  @Matches(DURATION_PATTERN, { message: `grace_period ${DURATION_MESSAGE}` })
  grace_period?: string;
}

/** `POST /key/block` and `POST /key/unblock`. */
export class KeyRefRequest {
  @Matches(KEY_REF_PATTERN, { message: `key ${KEY_REF_MESSAGE}` })
  key!: string;
}

/** `GET /key/info?key=`; without `key`, a virtual-key caller gets its own key. */
export class KeyInfoQuery {
  @Optional()
  @Matches(KEY_REF_PATTERN, { message: `key ${KEY_REF_MESSAGE}` })
  key?: string;
}

export const KEY_SORT_FIELDS = [
  'created_at',
  'updated_at',
  'key_alias',
  'spend',
  'max_budget',
  'expires',
  'user_id',
] as const;
export type KeySortField = (typeof KEY_SORT_FIELDS)[number];

export class ListKeysQuery {
  @Optional()
  @QueryInt(1, MAX_PAGE)
  page?: number;

  @Optional()
  @QueryInt(1, 100)
  size?: number;

  @Optional()
  @Matches(ID_PATTERN)
  user_id?: string;

  @Optional()
  @Matches(ID_PATTERN)
  team_id?: string;

  /** Exact alias. */
  @Optional()
  @Text(256)
  key_alias?: string;

  /** The owner's email starts with this (case-insensitive); within what the caller may see. */
  @Optional()
  @Text(254)
  user_email?: string;

  @Optional()
  @IsIn(KEY_SORT_FIELDS)
  sort_by?: KeySortField;

  @Optional()
  @IsIn(['asc', 'desc'])
  sort_order?: 'asc' | 'desc';
}

/** A key as the API shows it: never the secret nor its hash beyond the `token` id. */
export interface KeyResponse {
  token: string;
  key_name: string;
  key_alias: string | null;
  user_id: string | null;
  team_id: string | null;
  models: string[];
  max_budget: number | null;
  spend: number;
  budget_duration: string | null;
  budget_reset_at: string | null;
  expires: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  metadata: Record<string, unknown>;
  blocked: boolean;
  key_type: KeyType;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
}

/** `POST /key/generate` and `POST /key/regenerate`: the only answers that carry the secret. */
export interface GenerateKeyResponse extends KeyResponse {
  key: string;
}

export interface KeyInfoResponse {
  /** The key's token id (never the secret, even when the request named the key by it). */
  key: string;
  info: KeyResponse;
}

export interface KeyListResponse {
  keys: KeyResponse[];
  total_count: number;
  current_page: number;
  total_pages: number;
}

export interface DeletedKeyResponse extends KeyResponse {
  deleted_at: string;
  deleted_by: string | null;
}

export interface DeletedKeyListResponse {
  keys: DeletedKeyResponse[];
  total_count: number;
  current_page: number;
  total_pages: number;
}

export interface DeleteKeysResponse {
  /** The token ids of the deleted keys. */
  deleted_keys: string[];
}
