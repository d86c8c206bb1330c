import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toErrorResponse } from '../errors/error-response';
import { describeError } from '../logging/safe-error';

/** The one place where errors become HTTP answers; unexpected ones are logged, never shown. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const response = toErrorResponse(exception);
    if (response.unexpected) {
      // Never the stack as is: a database error's message can quote row values.
      this.logger.error(describeError(exception));
    }
    if (reply.sent) return;
    void reply.status(response.status).headers(response.headers).send(response.body);
  }
}
