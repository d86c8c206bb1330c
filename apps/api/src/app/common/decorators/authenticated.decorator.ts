import { SetMetadata } from '@nestjs/common';

export const ANY_AUTHENTICATED = 'gatehouse:any-authenticated';

/** For routes every signed-in caller may use whatever their role (`/me`, `/logout`). */
export const Authenticated = (): MethodDecorator => SetMetadata(ANY_AUTHENTICATED, true);
