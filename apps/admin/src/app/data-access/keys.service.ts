import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  DeleteKeysResponse,
  GenerateKeyRequest,
  GenerateKeyResponse,
  KeyInfoResponse,
  KeyListResponse,
  KeyResponse,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';
import { params } from './http-params';

/** `/key/*`. A key is named by its `token` id everywhere; the secret is shown once. */
@Injectable({ providedIn: 'root' })
export class KeysService {
  private readonly http = inject(HttpClient);

  list(query: { page?: number; size?: number; user_id?: string | null }): Promise<KeyListResponse> {
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

  regenerate(token: string): Promise<GenerateKeyResponse> {
    return firstValueFrom(this.http.post<GenerateKeyResponse>('/key/regenerate', { key: token }));
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
