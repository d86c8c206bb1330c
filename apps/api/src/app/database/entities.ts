import { SessionEntity } from '../auth/session.entity';
import { InvitationEntity } from '../invitations/invitation.entity';
import { DeletedKeyEntity, KeyEntity } from '../keys/key.entity';
import { TeamEntity, TeamMemberEntity } from '../teams/team.entity';
import { UserEntity } from '../users/user.entity';

/** Every entity; each module also registers its own with TypeOrmModule.forFeature. */
export const ENTITIES = [
  UserEntity,
  SessionEntity,
  InvitationEntity,
  TeamEntity,
  TeamMemberEntity,
  KeyEntity,
  DeletedKeyEntity,
];
