import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { ModelInfoEntry, ModelInfoResponse, NewModelRequest } from './api-types';

@Injectable({ providedIn: 'root' })
export class ModelsService {
  private readonly http = inject(HttpClient);

  async list(): Promise<ModelInfoEntry[]> {
    return (await firstValueFrom(this.http.get<ModelInfoResponse>('/model/info'))).data;
  }

  create(request: NewModelRequest): Promise<unknown> {
    return firstValueFrom(this.http.post('/model/new', request));
  }
}
