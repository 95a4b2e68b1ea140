/**
 * The two outside services the account views use: a mailer (`gatehouse/mail`) and a login
 * throttle (`gatehouse/db`). Re-exported here so an app wiring the plugin finds
 * them in one place; anything of the same shape an app writes itself fits as well.
 */
export type { Mailer, MailMessage } from '../mail/index.js';
export type { LoginThrottle, ThrottleKey, ThrottleDecision, ThrottleAdmission, ThrottleReservation } from '../core/throttle.js';
