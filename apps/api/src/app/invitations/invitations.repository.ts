import { Injectable } from '@nestjs/common';
import { In, Not, Repository } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import { InvitationEntity } from './invitation.entity';
import { Transactions } from '../database/transactions';

/** Rolls a claim's transaction back: another claim won, or the invitation was revoked. */
class ClaimLost extends Error {}

export type InvitedUser = Pick<UserEntity, 'userId' | 'email' | 'role'>;

@Injectable()
export class InvitationsRepository {
  constructor(private readonly transactions: Transactions) {}

  private get repo(): Repository<InvitationEntity> {
    return this.transactions.repository(InvitationEntity);
  }

  private get users(): Repository<UserEntity> {
    return this.transactions.repository(UserEntity);
  }

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
   * Accepts the invitation, sets the user's password and deletes the user's other open
   * invitations, in one transaction: once someone onboarded, an older link must not reset
   * their password (finding 6). The user row is written first, so claims of one user's
   * invitations queue on its row lock (no two win, and no deadlock over each other's
   * invitation rows); the accepting UPDATE matches only an open, unexpired invitation, and
   * when it matches nothing the whole transaction rolls back. false means this claim lost.
   */
  async claim(
    invitationId: string,
    userId: string,
    passwordHash: string,
    now: Date,
  ): Promise<boolean> {
    try {
      await this.transactions.run(async (manager) => {
        await manager.update(
          UserEntity,
          { userId },
          { passwordHash, updatedAt: now, updatedBy: userId },
        );
        const accepted = await manager
          .createQueryBuilder()
          .update(InvitationEntity)
          .set({ isAccepted: true, acceptedAt: now, updatedAt: now, updatedBy: userId })
          .where({ id: invitationId, userId, isAccepted: false })
          .andWhere('expires_at > :now', { now: now.getTime() })
          .execute();
        if (accepted.affected !== 1) throw new ClaimLost();
        await manager.delete(InvitationEntity, {
          userId,
          isAccepted: false,
          id: Not(invitationId),
        });
      });
      return true;
    } catch (error) {
      if (error instanceof ClaimLost) return false;
      throw error;
    }
  }
}
