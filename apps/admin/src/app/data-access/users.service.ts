import { HttpClient, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { Role } from '@gatehouse/shared/auth';
import type {
  DeleteUsersResponse,
  NewUserRequest,
  UpdateUserRequest,
  UserInfoResponse,
  UserListResponse,
  UserResponse,
} from '@gatehouse/shared/dto';
import { firstValueFrom } from 'rxjs';
import { params } from './http-params';

export interface UserListQuery {
  page?: number;
  page_size?: number;
  role?: Role | null;
  user_email?: string | null;
  sort_by?: string;
  sort_order?: 'asc' | 'desc';
}

/** `/user/*`. */
@Injectable({ providedIn: 'root' })
export class UsersService {
  private readonly http = inject(HttpClient);

  list(query: UserListQuery = {}): Promise<UserListResponse> {
    return firstValueFrom(this.http.get<UserListResponse>('/user/list', { params: params(query) }));
  }

  info(userId?: string): Promise<UserInfoResponse> {
    const query = userId ? new HttpParams().set('user_id', userId) : undefined;
    return firstValueFrom(this.http.get<UserInfoResponse>('/user/info', { params: query }));
  }

  create(request: NewUserRequest): Promise<UserResponse> {
    return firstValueFrom(this.http.post<UserResponse>('/user/new', request));
  }

  update(request: UpdateUserRequest): Promise<UserResponse> {
    return firstValueFrom(this.http.post<UserResponse>('/user/update', request));
  }

  delete(userIds: string[]): Promise<DeleteUsersResponse> {
    return firstValueFrom(
      this.http.post<DeleteUsersResponse>('/user/delete', { user_ids: userIds }),
    );
  }
}
