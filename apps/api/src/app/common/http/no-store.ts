import { Header } from '@nestjs/common';

/**
 * Marks an answer that carries a secret (a new key, an onboarding token): no cache, shared or
 * private, may keep it (`Cache-Control: no-store`). One line on the handler. Nest sets the
 * header before the handler runs, so an error answer from that route carries it too.
 */
export const NoStore = (): MethodDecorator => Header('Cache-Control', 'no-store');
