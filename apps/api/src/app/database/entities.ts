import { SessionEntity } from '../auth/session.entity';
import { DeletedKeyEntity, KeyEntity } from '../keys/key.entity';
import { UserEntity } from '../users/user.entity';

/** Every entity; each module also registers its own with TypeOrmModule.forFeature. */
export const ENTITIES = [UserEntity, SessionEntity, KeyEntity, DeletedKeyEntity];
