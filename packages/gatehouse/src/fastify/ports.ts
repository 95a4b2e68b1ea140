/** The mailer and login-throttle ports, as the HTTP layer names them; re-exported for apps. */
export type { Mailer, MailMessage, LoginThrottle, ThrottleKey, ThrottleDecision, ThrottleAdmission, ThrottleReservation } from '../http/ports.js';
