// The command lines that change a running gateway (sites, regions, organisations) do it through
// its API: only the running process can apply a change live and audit it. This is their one HTTP
// client: where the API is, which token, and an answer or a sentence saying why there is none.

export interface CliApi {
  /** http://host:port without a trailing slash. */
  readonly base: string;
  readonly token: string;
}

export type CliAnswer = { readonly ok: true; readonly status: number; readonly body: unknown; readonly text: string } | { readonly ok: false; readonly status: number; readonly body: ApiRefusal; readonly text: string };

/** A refusal as the API answers it (dashboard-api/src/errors.ts), with the registry's problems. */
export interface ApiRefusal {
  readonly message?: string;
  readonly problems?: readonly { readonly row?: number; readonly field: string; readonly message: string }[];
}

/** The API and token from the flags, $SHAOBING_TOKEN and the config; a sentence when one is missing. */
export function cliApi(
  values: { api?: string | undefined; token?: string | undefined; config?: string | undefined },
  apiUrlOf: (configFile: string | undefined) => string,
  env: { readonly SHAOBING_TOKEN?: string | undefined },
  command: string,
): CliApi | string {
  const token = values.token ?? env.SHAOBING_TOKEN;
  if (!token) return `${command}: needs an admin API token: --token T or SHAOBING_TOKEN (make one with shaobing token create --role admin --name NAME)`;
  try {
    return { base: (values.api ?? apiUrlOf(values.config)).replace(/\/+$/, ''), token };
  } catch (err) {
    return `${command}: no API address (--api URL): ${(err as Error).message}`;
  }
}

/** One call; a gateway that cannot be reached is a sentence that says so, not a stack trace. */
export async function callApi(api: CliApi, method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<CliAnswer | string> {
  let res: Response;
  try {
    res = await fetch(`${api.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${api.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return `cannot reach the gateway at ${api.base} (${cause?.code ?? cause?.message ?? (err as Error).message}): is it running? (--api URL)`;
  }
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (the YAML export, a proxy's HTML page): the text is kept for the caller.
  }
  if (res.ok) return { ok: true, status: res.status, body: parsed, text };
  return { ok: false, status: res.status, body: (parsed ?? { message: text.slice(0, 200) || res.statusText }) as ApiRefusal, text };
}

/** A refusal as lines a person acts on: one per field problem, else the message. */
export function refusalLines(what: string, answer: { status: number; body: ApiRefusal }): string[] {
  const problems = answer.body.problems ?? [];
  if (problems.length === 0) return [`${what}: refused (${answer.status}): ${answer.body.message ?? 'no reason given'}`];
  return problems.map((p) => `${what}${p.row !== undefined ? `, row ${p.row}` : ''}, field ${p.field}: ${p.message}`);
}
