import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { ModelInfoResponse, ModelResponse, NewModelRequest } from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';

/** `/model/*`: the deployments callers may name in `model`. */
@Injectable({ providedIn: 'root' })
export class ModelsService {
  private readonly http = inject(HttpClient);

  async list(): Promise<ModelResponse[]> {
    return (await firstValueFrom(this.http.get<ModelInfoResponse>('/model/info'))).data;
  }

  create(request: NewModelRequest): Promise<ModelResponse> {
    return firstValueFrom(this.http.post<ModelResponse>('/model/new', request));
  }
}
