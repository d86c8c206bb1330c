import { SessionEntity } from '../auth/session.entity';
import { UserEntity } from '../users/user.entity';
// Issue 5 (gateway, models, spend):
import { ModelEntity } from '../models/model.entity';
import { DailySpendEntity } from '../spend/daily-spend.entity';
import { SpendLogEntity } from '../spend/spend-log.entity';

/** Every entity; each module also registers its own with TypeOrmModule.forFeature. */
export const ENTITIES = [
  UserEntity,
  SessionEntity,
  ModelEntity, // issue 5
  SpendLogEntity, // issue 5
  DailySpendEntity, // issue 5
];
