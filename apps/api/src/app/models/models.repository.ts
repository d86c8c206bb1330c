import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ModelEntity } from './model.entity';

@Injectable()
export class ModelsRepository {
  constructor(@InjectRepository(ModelEntity) private readonly repo: Repository<ModelEntity>) {}

  findAll(): Promise<ModelEntity[]> {
    return this.repo.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findById(id: string): Promise<ModelEntity | null> {
    return this.repo.findOneBy({ id });
  }

  async insert(model: ModelEntity): Promise<void> {
    await this.repo.insert(model);
  }

  async deleteById(id: string): Promise<void> {
    await this.repo.delete({ id });
  }
}
