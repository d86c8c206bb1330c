import { HttpClient } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type {
  DeleteModelResponse,
  ModelInfoResponse,
  ModelResponse,
  NewModelRequest,
  TestModelResponse,
  UpdateModelRequest,
} from '@gatehouse/shared/dto';
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

  /** Partial: only the fields sent change (the upstream key stays unless a new one is sent). */
  update(request: UpdateModelRequest): Promise<ModelResponse> {
    return firstValueFrom(this.http.post<ModelResponse>('/model/update', request));
  }

  /** One tiny call to the deployment: its latency or the upstream's error. */
  test(modelId: string): Promise<TestModelResponse> {
    return firstValueFrom(this.http.post<TestModelResponse>('/model/test', { model_id: modelId }));
  }

  delete(id: string): Promise<DeleteModelResponse> {
    return firstValueFrom(this.http.post<DeleteModelResponse>('/model/delete', { id }));
  }
}
