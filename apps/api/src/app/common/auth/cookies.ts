export const SESSION_COOKIE = 'gatehouse_session';
/** Angular's HttpClient reads this cookie and echoes it in X-XSRF-TOKEN. */
export const XSRF_COOKIE = 'XSRF-TOKEN';
export const XSRF_HEADER = 'x-xsrf-token';
