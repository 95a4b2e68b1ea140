/** `gatehouse/mail`: mail backends (SMTP through nodemailer, console, file, memory) and `EMAIL_URL`. */
export { prepareMessage, isSingleAddress, checkDefaultFromEmail } from './message.js';
export type { Mailer, ClosableMailer, MailMessage, SentMail } from './message.js';
export { SmtpMailer } from './smtp.js';
export type { SmtpMailerOptions } from './smtp.js';
export { ConsoleMailer, formatForConsole } from './console.js';
export type { ConsoleMailerOptions, TextSink } from './console.js';
export { FileMailer } from './file.js';
export type { FileMailerOptions } from './file.js';
export { MemoryMailer } from './memory.js';
export type { MemoryMailerOptions, NextMailOptions } from './memory.js';
export { mailerFromUrl } from './url.js';
export type { MailerFromUrlOptions } from './url.js';
