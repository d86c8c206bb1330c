import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  DeleteKeysResponse,
  GenerateKeyRequest,
  GenerateKeyResponse,
  KeyInfoResponse,
  KeyListResponse,
  KeyResponse,
  KeySortField,
  UpdateKeyRequest,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';
import { params } from './http-params';

/** The query of `/key/list` (ListKeysQuery); empty values are left out. */
export interface KeyListQuery {
  page?: number;
  size?: number;
  user_id?: string | null;
  team_id?: string | null;
  /** Exact alias. */
  key_alias?: string | null;
  /** The owner's email starts with this (case-insensitive). */
  user_email?: string | null;
  sort_by?: KeySortField | null;
  sort_order?: 'asc' | 'desc' | null;
}

/** `/key/*`. A key is named by its `token` id everywhere; the secret is shown once. */
@Injectable({ providedIn: 'root' })
export class KeysService {
  private readonly http = inject(HttpClient);

  list(query: KeyListQuery): Promise<KeyListResponse> {
    return firstValueFrom(this.http.get<KeyListResponse>('/key/list', { params: params(query) }));
  }

  /** One key by its token id (404 once deleted, or when it is not the caller's to see). */
  info(token: string): Promise<KeyInfoResponse> {
    return firstValueFrom(
      this.http.get<KeyInfoResponse>('/key/info', { params: params({ key: token }) }),
    );
  }

  generate(request: GenerateKeyRequest): Promise<GenerateKeyResponse> {
    return firstValueFrom(this.http.post<GenerateKeyResponse>('/key/generate', request));
  }

  /** The caller may change only what the API's narrowing rules allow; it answers 4xx + param. */
  update(request: UpdateKeyRequest): Promise<KeyResponse> {
    return firstValueFrom(this.http.post<KeyResponse>('/key/update', request));
  }

  /** A new secret; with `gracePeriod` (e.g. `10m`) the old one keeps working that long. */
  regenerate(token: string, gracePeriod?: string): Promise<GenerateKeyResponse> {
    const body = gracePeriod ? { key: token, grace_period: gracePeriod } : { key: token };
    return firstValueFrom(this.http.post<GenerateKeyResponse>('/key/regenerate', body));
  }

  block(token: string): Promise<KeyResponse> {
    return firstValueFrom(this.http.post<KeyResponse>('/key/block', { key: token }));
  }

  unblock(token: string): Promise<KeyResponse> {
    return firstValueFrom(this.http.post<KeyResponse>('/key/unblock', { key: token }));
  }

  delete(tokens: string[]): Promise<DeleteKeysResponse> {
    return firstValueFrom(this.http.post<DeleteKeysResponse>('/key/delete', { keys: tokens }));
  }
}
