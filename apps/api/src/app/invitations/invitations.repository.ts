import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { InvitationEntity } from './invitation.entity';

export type InvitedUser = Pick<UserEntity, 'userId' | 'email' | 'role'>;

@Injectable()
export class InvitationsRepository {
  constructor(
    @InjectRepository(InvitationEntity) private readonly repo: Repository<InvitationEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly dataSource: DataSource,
  ) {}

  findById(id: string): Promise<InvitationEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** The invited user (read-only: the users module owns the rows). */
  findUser(userId: string): Promise<InvitedUser | null> {
    return this.users.findOne({
      select: { userId: true, email: true, role: true },
      where: { userId },
    });
  }

  async insert(invitation: InvitationEntity): Promise<void> {
    await this.repo.insert(invitation);
  }

  save(invitation: InvitationEntity): Promise<InvitationEntity> {
    return this.repo.save(invitation);
  }

  async delete(id: string): Promise<void> {
    await this.repo.delete({ id });
  }

  async deleteByUserIds(userIds: string[]): Promise<void> {
    if (userIds.length > 0) await this.repo.delete({ userId: In(userIds) });
  }

  async recordEmail(
    id: string,
    fields: Pick<InvitationEntity, 'emailStatus' | 'emailError' | 'emailedAt'>,
  ): Promise<void> {
    await this.repo.update({ id }, fields);
  }

  /**
   * Accepts the invitation and sets the user's password in one transaction. The UPDATE only
   * matches an open, unexpired invitation, so of two concurrent claims exactly one wins;
   * false means this one lost (nothing was changed).
   */
  claim(invitationId: string, userId: string, passwordHash: string, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const accepted = await manager
        .createQueryBuilder()
        .update(InvitationEntity)
        .set({ isAccepted: true, acceptedAt: now, updatedAt: now, updatedBy: userId })
        .where({ id: invitationId, userId, isAccepted: false })
        .andWhere('expires_at > :now', { now: now.getTime() })
        .execute();
      if (accepted.affected !== 1) return false;
      await manager.update(
        UserEntity,
        { userId },
        { passwordHash, updatedAt: now, updatedBy: userId },
      );
      return true;
    });
  }
}
