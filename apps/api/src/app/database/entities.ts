import { SessionEntity } from '../auth/session.entity';
import { UserEntity } from '../users/user.entity';

/** Every entity; each module also registers its own with TypeOrmModule.forFeature. */
export const ENTITIES = [UserEntity, SessionEntity];
