// The broker section of the configuration: the embedded broker's listeners (plain and TLS), its
// accounts and login limits, or the external broker the gateway connects to.

import { z } from 'zod';

/** Passwords are stored hashed (broker/src/auth.ts); `shaobing hash-password` makes one. */
export const passwordHash = z
  .string()
  .regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'a hash from `shaobing hash-password`, not a plain password');

/** MQTT over TLS for the embedded broker (broker/src/tls-listener.ts); how to make and rotate the
 * files: docs/operations.md. Paths are read relative to the working directory. */
const brokerTlsSchema = z
  .object({
    /** PEM: the server certificate first, then its intermediates. Its subjectAltName must hold the
     * name or address devices dial, since clients check that, not the CN. */
    certFile: z.string().min(1),
    /** PEM private key of certFile, unencrypted (mode 0600, owned by the gateway's user). */
    keyFile: z.string().min(1),
    /** PEM CA bundle that signs device certificates: a device presenting one is identified by its
     * subject CN (`site/device`) without a password. Absent: no client certificates asked for. */
    caFile: z.string().min(1).optional(),
    /** With caFile: refuse every client without a certificate signed by it (passwords alone no longer get in). */
    requireClientCert: z.boolean().default(false),
    /** 8883: the IANA port for MQTT over TLS. */
    port: z.number().int().min(0).max(65535).default(8883),
    /** Address of the TLS listener; absent: broker.host. */
    host: z.string().min(1).optional(),
    /** RFC 8996 retired TLS 1.0 and 1.1. */
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    /** Keep the plain listener on broker.port while the fleet moves to TLS. Off by default: a
     * device left on plain MQTT would otherwise keep sending its password in clear unnoticed. */
    keepPlain: z.boolean().default(false),
    /** A client that has not finished its handshake by then is cut; 20 s leaves room for a 4G link
     * on poor signal while a port scanner's half-open connections do not pile up. */
    handshakeTimeoutS: z.number().positive().max(120).default(20),
    /** How often the three files are checked for a change (size, mtime, inode), reloading them once
     * they have been still for as long; SIGHUP reloads at once. 0: only on SIGHUP. */
    watchFilesS: z.number().min(0).max(86_400).default(30),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.requireClientCert && t.caFile === undefined) ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'requireClientCert needs caFile: the CA bundle that signs the device certificates' });
  });
export type BrokerTlsConfig = z.infer<typeof brokerTlsSchema>;

export const brokerSchema = z
  .object({
    /** embedded: aedes in this process; external: Mosquitto, EMQX… reached at `url`. */
    mode: z.enum(['embedded', 'external']).default('embedded'),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(1883),
    url: z.string().url().optional(),
    clientId: z.string().min(1).max(64).default('shaobing-gateway'),
    username: z.string().optional(),
    password: z.string().optional(),
    /** Extra accounts of the embedded broker: `gateway` has every right (ops tools, a second gateway). */
    users: z.array(z.object({ username: z.string().min(1), passwordHash, role: z.literal('gateway') }).strict()).default([]),
    /** Seconds before aedes drops a subscriber that stopped reading (aedes's docs advise 10–60 s). */
    drainTimeoutS: z.number().positive().default(30),
    /** Largest MQTT packet the embedded broker takes; a bigger one cuts the connection at its header.
     * Default (1 MiB + 64 KiB) and why: broker/src/packet-limit.ts DEFAULT_MAX_PACKET_BYTES. Between
     * 16 KiB (the telemetry limit) and this, a payload is still dead-lettered with its reason. */
    maxPacketBytes: z.number().int().min(64 * 1024).max(268_435_460).default(1024 * 1024 + 64 * 1024),
    /** Failed logins: answered at once up to these allowances per window, then each refusal held
     * back with a doubling delay; never a lockout of the account (broker/src/login-throttle.ts).
     * freePerAddress is high because a 4G carrier puts thousands of devices behind one NAT address. */
    loginThrottle: z
      .object({
        freePerAddress: z.number().int().min(0).default(300),
        freePerUsername: z.number().int().min(0).default(10),
        windowS: z.number().positive().default(60),
        baseDelayMs: z.number().int().min(0).default(250),
        maxDelayMs: z.number().int().min(0).max(25_000).default(8_000),
      })
      .strict()
      .refine((t) => t.maxDelayMs >= t.baseDelayMs, { message: 'maxDelayMs must be at least baseDelayMs', path: ['maxDelayMs'] })
      .prefault({}),
    /** Password checks (scrypt) at once; the rest of libuv's threadpool stays for file and DNS work
     * (broker/src/scrypt-queue.ts). Raise UV_THREADPOOL_SIZE with it. */
    scryptSlots: z.number().int().min(1).max(64).default(2),
    /** Signed device logins (auth: signed): accepted clock distance and nonces remembered (signed-login.ts). */
    signedLogin: z
      .object({ maxSkewS: z.number().positive().max(3600).default(300), maxNonces: z.number().int().positive().default(100_000) })
      .strict()
      .prefault({}),
    tls: brokerTlsSchema.optional(),
    /** External mode over an mqtts:// url: the CA (PEM) that signed the broker's certificate
     * (absent: the system's CAs), and the gateway's own certificate and key (PEM) when the broker
     * identifies clients by certificate (Mosquitto `require_certificate`). */
    clientTls: z
      .object({ caFile: z.string().min(1).optional(), certFile: z.string().min(1).optional(), keyFile: z.string().min(1).optional() })
      .strict()
      .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), { message: 'certFile and keyFile go together: give both or neither', path: ['keyFile'] })
      .optional(),
    /** External mode: connections the gateway takes telemetry on, each one member of the MQTT
     * shared subscription of the telemetry filter (group `sharedGroup`), so a backlog drains over
     * several broker queues instead of one (mqtt-ingress.ts). Absent or 1: the plain subscription
     * of one persistent session, the only one a restarted Mosquitto restores: with several,
     * readings it acknowledged between its restart and the members' return were lost (measured,
     * tests/faults/broker-restart.test.ts), so several are for a broker that is not restarted
     * under load, or that restores shared subscriptions. Lowering it is safe: the next start drains and unsubscribes the members it no longer uses
     * (state.db remembers them). */
    subscriptionConnections: z.number().int().min(1).max(32).optional(),
    /** The shared-subscription group name; one group per gateway (two gateways sharing a group
     * would each get half of the readings). */
    sharedGroup: z.string().regex(/^[^/+#$]+$/, 'one topic level without / + # $ (e.g. shaobing)').default('shaobing'),
    /** External mode: the broker hands each message of the group to the next connection (and a
     * former member retired at start delivers its queue beside them), so a device's reading can
     * overtake its predecessor. A reading that
     * arrives after a gap in its device's seq waits at most this long for the missing ones before
     * detection sees it, so detection takes each device's readings in order (ingest/device-order.ts).
     * The PUBACK does not wait: it follows the journal commit as always. 0: no waiting. */
    reorderWindowMs: z.number().int().min(0).max(5_000).default(100),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.mode === 'external' && !b.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'external mode needs broker.url, e.g. mqtt://127.0.0.1:1883' });
    if (b.clientTls && (b.mode !== 'external' || !/^(mqtts|wss):\/\//.test(b.url ?? ''))) {
      ctx.addIssue({ code: 'custom', path: ['clientTls'], message: 'clientTls is for an external broker reached over TLS: set mode: external and an mqtts:// url (e.g. mqtts://broker.example.cn:8883)' });
    }
    if (b.mode === 'external' && b.tls) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'broker.tls configures the embedded broker; an external broker has its own TLS settings (remove broker.tls)' });
    if (b.tls && b.tls.keepPlain && b.tls.port === b.port && b.port !== 0 && (b.tls.host ?? b.host) === b.host) {
      ctx.addIssue({ code: 'custom', path: ['tls', 'port'], message: `the TLS port cannot be the plain port ${b.port}: use 8883` });
    }
  });
