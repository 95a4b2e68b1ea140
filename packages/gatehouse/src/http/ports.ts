/**
 * The two outside services the account views use: a mailer (`gatehouse/mail`) and a login
 * throttle (`gatehouse/db`, or the core's in-memory one). Anything of the same shape fits.
 */
export type { Mailer, MailMessage } from '../mail/index.js';
export type { LoginThrottle, ThrottleKey, ThrottleDecision, ThrottleAdmission, ThrottleReservation } from '../core/throttle.js';
