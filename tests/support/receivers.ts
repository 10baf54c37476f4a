// Real receivers on loopback for notification tests: one HTTP server playing a DingTalk robot, a
// WeCom robot, a signed webhook and an SMS gateway, and an SMTP server (smtp-server). Each checks
// what the real service checks, by the published algorithm, written here independently of the
// gateway's code so that a wrong signature in the gateway fails the test.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface HttpDelivery {
  path: string;
  headers: IncomingMessage['headers'];
  query: URLSearchParams;
  body: string;
  json: unknown;
  /** The idempotency key the sender gave. */
  key: string | undefined;
}

export interface HttpReceiverOptions {
  dingtalkSecret?: string;
  webhookSecret?: string;
  /** Answers for the SMS gateway path (default `{code: 0}`). */
  smsAnswer?: () => { status: number; body: unknown };
  /** Hold each answer this long (to see how many requests a sender keeps in flight). */
  answerDelayMs?: number;
}

export interface HttpReceiver {
  readonly url: string;
  readonly port: number;
  /** Every request that passed the checks, duplicates included. */
  readonly accepted: HttpDelivery[];
  /** Requests refused (bad signature, bad format), with the reason given back. */
  readonly refused: { path: string; reason: string }[];
  /** The most requests to a path that were open at once. */
  maxInFlight(path: string): number;
  /** What a deduplicating receiver shows: one entry per idempotency key, first copy kept. */
  shown(path?: string): HttpDelivery[];
  /** Refuse connections (the server is closed) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** DingTalk 加签: sign = urlencode(base64(HmacSHA256(secret, timestamp + "\n" + secret))); the
 * timestamp may be at most one hour from the robot's clock (DingTalk custom-robot security doc). */
function checkDingtalk(q: URLSearchParams, json: unknown, secret: string | undefined): string | null {
  if (secret) {
    const timestamp = q.get('timestamp');
    const sign = q.get('sign'); // URLSearchParams has undone the URL encoding
    if (!timestamp || !sign) return 'missing timestamp or sign';
    if (Math.abs(Date.now() - Number(timestamp)) > 3_600_000) return 'timestamp more than an hour off';
    const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
    if (!sameText(sign, expected)) return 'sign not match';
  }
  const m = json as { msgtype?: string; markdown?: { title?: unknown; text?: unknown } };
  if (m?.msgtype !== 'markdown' || typeof m.markdown?.title !== 'string' || typeof m.markdown?.text !== 'string') return 'not a markdown message';
  return null;
}

/** WeCom group robot markdown: {msgtype: "markdown", markdown: {content}}, content ≤ 4096 bytes. */
function checkWecom(q: URLSearchParams, json: unknown): string | null {
  if (!q.get('key')) return 'missing key';
  const m = json as { msgtype?: string; markdown?: { content?: unknown } };
  if (m?.msgtype !== 'markdown' || typeof m.markdown?.content !== 'string') return 'invalid markdown message';
  if (Buffer.byteLength(m.markdown.content) > 4096) return 'content exceeds 4096 bytes';
  return null;
}

function checkWebhook(headers: IncomingMessage['headers'], body: string, secret: string | undefined): string | null {
  if (!secret) return null;
  const ts = headers['x-shaobing-timestamp'];
  const sig = headers['x-shaobing-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string') return 'missing signature headers';
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`;
  return sameText(sig, expected) ? null : 'bad signature';
}

export async function startHttpReceiver(options: HttpReceiverOptions = {}): Promise<HttpReceiver> {
  const accepted: HttpDelivery[] = [];
  const refused: { path: string; reason: string }[] = [];
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const open = (inFlight.get(url.pathname) ?? 0) + 1;
    inFlight.set(url.pathname, open);
    maxInFlight.set(url.pathname, Math.max(maxInFlight.get(url.pathname) ?? 0, open));
    res.on('close', () => inFlight.set(url.pathname, (inFlight.get(url.pathname) ?? 1) - 1));
    const body = await readBody(req);
    if (options.answerDelayMs) await new Promise((r) => setTimeout(r, options.answerDelayMs));
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined; // a form body (SMS template) is not JSON; the path decides
    }
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const delivery: HttpDelivery = { path: url.pathname, headers: req.headers, query: url.searchParams, body, json, key };
    let problem: string | null;
    switch (url.pathname) {
      case '/dingtalk':
        problem = checkDingtalk(url.searchParams, json, options.dingtalkSecret);
        // DingTalk answers 200 with an errcode (310000: signature mismatch).
        if (problem) {
          refused.push({ path: url.pathname, reason: problem });
          return answer(res, 200, { errcode: 310000, errmsg: problem });
        }
        accepted.push(delivery);
        return answer(res, 200, { errcode: 0, errmsg: 'ok' });
      case '/wecom':
        problem = checkWecom(url.searchParams, json);
        if (problem) {
          refused.push({ path: url.pathname, reason: problem });
          return answer(res, 200, { errcode: 40008, errmsg: problem });
        }
        accepted.push(delivery);
        return answer(res, 200, { errcode: 0, errmsg: 'ok' });
      case '/webhook':
        problem = checkWebhook(req.headers, body, options.webhookSecret);
        if (problem) {
          refused.push({ path: url.pathname, reason: problem });
          return answer(res, 401, { error: problem });
        }
        accepted.push(delivery);
        return answer(res, 200, { ok: true });
      case '/sms': {
        const a = options.smsAnswer?.() ?? { status: 200, body: { code: 0 } };
        if (a.status < 300) accepted.push(delivery);
        else refused.push({ path: url.pathname, reason: `answered ${a.status}` });
        return answer(res, a.status, a.body);
      }
      default:
        refused.push({ path: url.pathname, reason: 'no such path' });
        return answer(res, 404, { error: 'no such path' });
    }
  };

  let server: Server;
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server = createServer((req, res) => {
        handler(req, res).catch((err: Error) => answer(res, 500, { error: err.message }));
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const port = await listen(0);
  let isUp = true;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    accepted,
    refused,
    maxInFlight: (path: string) => maxInFlight.get(path) ?? 0,
    shown(path?: string) {
      const seen = new Set<string>();
      return accepted.filter((d) => {
        if (path && d.path !== path) return false;
        const k = d.key ?? d.body;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    },
    async down() {
      if (!isUp) return;
      isUp = false;
      await close();
    },
    async up() {
      if (isUp) return;
      await listen(port);
      isUp = true;
    },
    async close() {
      if (isUp) await close();
      isUp = false;
    },
  };
}

export interface Mail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  messageId: string | undefined;
  /** The decoded text/plain part. */
  text: string;
  /** The decoded text/html part. */
  html: string;
}

export interface SmtpReceiver {
  readonly port: number;
  readonly mails: Mail[];
  close(): Promise<void>;
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=), as nodemailer writes non-ASCII subjects. */
function decodeWords(header: string): string {
  return header.replace(/\s*=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*/g, (_all, _charset: string, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  );
}

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Splits headers from body and unfolds header lines. */
function splitPart(part: string): { headers: Map<string, string>; body: string } {
  const at = part.search(/\r?\n\r?\n/);
  const head = at < 0 ? part : part.slice(0, at);
  const body = at < 0 ? '' : part.slice(at).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function decodeBody(headers: Map<string, string>, body: string): string {
  const enc = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** Walks a MIME message for its text/plain and text/html parts. */
function parseMail(raw: string): { subject: string; messageId: string | undefined; text: string; html: string } {
  const top = splitPart(raw);
  const out = { subject: decodeWords(top.headers.get('subject') ?? ''), messageId: top.headers.get('message-id'), text: '', html: '' };
  const walk = (headers: Map<string, string>, body: string): void => {
    const type = headers.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.toLowerCase().startsWith('multipart/') && boundary) {
      for (const chunk of body.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith('--')) break;
        const p = splitPart(chunk.replace(/^\r?\n/, ''));
        walk(p.headers, p.body);
      }
    } else if (type.toLowerCase().startsWith('text/html')) out.html += decodeBody(headers, body);
    else if (type.toLowerCase().startsWith('text/plain')) out.text += decodeBody(headers, body);
  };
  walk(top.headers, top.body);
  return out;
}

/** An SMTP server on loopback without TLS or auth: accepts every mail and keeps it decoded. */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, ...parseMail(raw) });
        callback();
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port));
  });
  return {
    port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
