import { Global, Module } from '@nestjs/common';
import { Transactions } from './transactions';

/** `Transactions` for every module (the TypeORM connection itself is set up in AppModule). */
@Global()
@Module({ providers: [Transactions], exports: [Transactions] })
export class DatabaseModule {}
