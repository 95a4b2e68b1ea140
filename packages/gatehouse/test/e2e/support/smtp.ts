/**
 * The loopback SMTP server of `gatehouse/testing`'s conformance suite (smtp-server, keeping every
 * message it receives), with the `EMAIL_URL` the example takes, for the reset-mail tests.
 */
import { type ReceivedMail, type LoopbackSmtp as SuiteSmtp, startLoopbackSmtp } from '../../../src/testing/conformance/smtp.js';

export type { ReceivedMail };

export interface LoopbackSmtp extends SuiteSmtp {
  /** `smtp://127.0.0.1:<port>`, the EMAIL_URL for the example. */
  url: string;
}

export async function startSmtp(): Promise<LoopbackSmtp> {
  const server = await startLoopbackSmtp();
  return Object.assign(server, { url: `smtp://127.0.0.1:${server.port}` });
}

/** The reset link in a mail's text. */
export function resetLink(mail: ReceivedMail): string {
  const link = /(https?:\/\/[^\s]+\/accounts\/reset\/[A-Za-z0-9_-]+\/[0-9a-z]+-[0-9a-f]+\/)/.exec(mail.text)?.[1];
  if (!link) throw new Error(`no reset link in the mail:\n${mail.text}`);
  return link;
}
