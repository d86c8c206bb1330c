import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ModelEntity } from './model.entity';
import { ModelRegistry } from './model-registry';
import { ModelTestService } from './model-test.service';
import { ModelsController } from './models.controller';
import { ModelsRepository } from './models.repository';
import { ModelsService } from './models.service';

@Module({
  imports: [TypeOrmModule.forFeature([ModelEntity])],
  controllers: [ModelsController],
  providers: [ModelsRepository, ModelsService, ModelRegistry, ModelTestService],
  exports: [ModelRegistry],
})
export class ModelsModule {}
