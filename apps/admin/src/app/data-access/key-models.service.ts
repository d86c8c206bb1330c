import { inject, Injectable } from '@angular/core';
import { ModelsService } from './models.service';
import { SessionService } from './session.service';
import { UsersService } from './users.service';

/** The model names a caller may put on a key (the create dialog, the key page, the snippets). */
@Injectable({ providedIn: 'root' })
export class KeyModelsService {
  private readonly models = inject(ModelsService);
  private readonly users = inject(UsersService);
  private readonly session = inject(SessionService);

  /** The caller's allow-list, or every configured model (the master key has no user row). */
  async allowed(): Promise<string[]> {
    if (this.session.me()?.auth === 'master_key') return this.all();
    const [all, mine] = await Promise.allSettled([this.models.list(), this.users.info()]);
    const allowed = mine.status === 'fulfilled' ? mine.value.user_info.models : [];
    if (allowed.length) return allowed;
    return all.status === 'fulfilled' ? [...new Set(all.value.map((m) => m.model_name))] : [];
  }

  private async all(): Promise<string[]> {
    try {
      return [...new Set((await this.models.list()).map((m) => m.model_name))];
    } catch {
      return [];
    }
  }
}
