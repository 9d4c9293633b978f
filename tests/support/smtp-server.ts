import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

// A real SMTP server for the mail tests (smtp-server receiving, mailparser reading): it requires
// the login given, and can be stopped and started again on the same port (SMTP down, then back).

export type Inbox = {
  url: string;
  port: number;
  got: ParsedMail[];
  /** The messages to `to` (lowercase), in arrival order. */
  to: (address: string) => ParsedMail[];
  stop: () => Promise<void>;
  start: () => Promise<void>;
  /** Logins tried, with the password the client sent. */
  logins: Array<{ user: string; pass: string }>;
};

export async function startInbox({ user = "mailer", pass = "smtp-pass-not-in-logs" } = {}): Promise<Inbox> {
  const got: ParsedMail[] = [];
  const logins: Inbox["logins"] = [];
  let server: SMTPServer | null = null;
  let port = 0;
  const listen = async () => {
    server = new SMTPServer({
      secure: false,
      disabledCommands: ["STARTTLS"],
      allowInsecureAuth: true,
      authMethods: ["PLAIN", "LOGIN"],
      logger: false,
      // Stopping the server (SMTP down) must not wait out its default 30 s for clients to leave.
      closeTimeout: 200,
      onAuth(auth, _session, cb) {
        logins.push({ user: auth.username ?? "", pass: auth.password ?? "" });
        if (auth.username === user && auth.password === pass) cb(null, { user });
        else cb(new Error("Invalid username or password"));
      },
      onData(stream, _session, cb) {
        simpleParser(stream).then((m) => {
          got.push(m);
          cb();
        }, cb);
      },
    });
    await new Promise<void>((r) => server!.listen(port, "127.0.0.1", () => r()));
    port = (server!.server.address() as AddressInfo).port;
  };
  await listen();
  return {
    get url() {
      return `smtp://${user}:${encodeURIComponent(pass)}@127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    got,
    logins,
    to: (address) =>
      got.filter((m) =>
        (Array.isArray(m.to) ? m.to : [m.to]).some((a) => a?.value.some((v) => v.address?.toLowerCase() === address.toLowerCase())),
      ),
    stop: () =>
      new Promise<void>((r) => (server ? server.close(() => r()) : r())).then(() => {
        server = null;
      }),
    start: listen,
  };
}

/** The first link in a message's text part that starts with `prefix`. */
export function linkIn(m: ParsedMail, prefix: string): string {
  const url = (m.text ?? "").split(/\s+/).find((w) => w.startsWith(prefix));
  if (!url) throw new Error(`no link starting with ${prefix} in: ${m.text}`);
  return url;
}

/**
 * Sets (or, with undefined, unsets) environment variables for the mail tests and drops what was
 * built from the old ones: the parsed env, the mail transport and better-auth's instance.
 */
export async function setMailEnv(vars: Record<string, string | undefined>) {
  const { resetEnvForTests } = await import("@/lib/env");
  const { resetMailTransportForTests } = await import("@/lib/mail/deliver");
  const { resetAuthForTests } = await import("@/lib/auth/auth");
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
  resetMailTransportForTests();
  resetAuthForTests();
}
