import { Injectable } from '@nestjs/common';
import { Repository } from 'typeorm';
import { ModelEntity } from './model.entity';
import { Transactions } from '../database/transactions';

@Injectable()
export class ModelsRepository {
  constructor(private readonly transactions: Transactions) {}

  private get repo(): Repository<ModelEntity> {
    return this.transactions.repository(ModelEntity);
  }

  findAll(): Promise<ModelEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<ModelEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async insert(model: ModelEntity): Promise<void> {
    await this.repo.insert(model);
  }

  async save(model: ModelEntity): Promise<void> {
    await this.repo.save(model);
  }

  async deleteById(id: string): Promise<void> {
    await this.repo.delete({ id });
  }
}
