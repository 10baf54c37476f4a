// A site's devices in the registry, one at a time: listed (with install and replacement days,
// never a credential), created with a generated secret answered once, and removed. Changes apply
// without a restart: the broker and the detectors follow the registry.

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { deviceSchema } from '../../../gateway/src/config/schema.js';
import type { DeviceInput } from '../../../gateway/src/registry/fleet-writer.js';
import { issueSecrets } from '../../../gateway/src/registry/provision/device-secret.js';
import type { ApiContext } from '../context.js';
import { ApiError } from '../errors.js';
import { actorOf, attachment, noStore, publicDevice, registryOf, registryRefusal, secretsCsv, siteVisible, wantsCsv } from '../fleet-answers.js';
import { answers, idParam } from '../schemas.js';

const siteParams = z.object({ site: idParam('site') });
const deviceParams = z.object({ site: idParam('site'), device: idParam('device') });
const device = z.looseObject({ id: z.string(), kind: z.string() }).describe('RegistryDevice');
const problems = z.array(z.object({ row: z.number().optional(), field: z.string(), message: z.string() }));

/** A new device as the API takes it: the config's fields without a credential, which is generated. */
const newDevice = z
  .looseObject({ id: z.string() })
  .superRefine((d, ctx) => {
    for (const field of ['passwordHash', 'loginKey'] as const) {
      if (field in d) ctx.addIssue({ code: 'custom', path: [field], message: 'credentials are generated: leave it out and keep the secret in the answer' });
    }
    if ('auth' in d && d.auth !== 'signed' && d.auth !== 'static') ctx.addIssue({ code: 'custom', path: ['auth'], message: 'signed (the default) or static' });
  });

// Stands in for the credential while the device is checked; the real one is issued after.
const PLACEHOLDER_KEY = '0'.repeat(64);

export function fleetDeviceRoutes(ctx: ApiContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/sites/:site/devices',
      {
        config: { role: 'viewer' },
        schema: { summary: "A site's devices as registered: kind, channels, space, installedOn, replaceBy (no credentials)", params: siteParams, response: answers({ 200: z.object({ site: z.string(), devices: z.array(device) }) }, 400, 404, 501) },
      },
      async (request) => {
        const site = registryOf(ctx).site(request.params.site);
        if (!site || !siteVisible(ctx, request, site.id)) throw new ApiError(404, `no site ${request.params.site}`);
        return { site: site.id, devices: site.devices.map(publicDevice) };
      },
    );

    r.post(
      '/sites/:site/devices',
      {
        config: { role: 'admin' },
        schema: {
          summary: 'Registers one device and answers its generated secret once (JSON, or CSV with Accept: text/csv); it may connect at once',
          params: siteParams,
          body: newDevice,
          response: answers({ 201: z.object({ site: z.string(), device, username: z.string(), secret: z.string() }), 422: z.object({ message: z.string(), problems }) }, 400, 403, 404, 409, 501),
        },
      },
      async (request, reply) => {
        const fleet = registryOf(ctx);
        const siteId = request.params.site;
        const body = request.body as Record<string, unknown> & { id: string };
        if (!fleet.site(siteId) || !siteVisible(ctx, request, siteId)) throw new ApiError(404, `no site ${siteId}: create it first with PUT /api/v1/sites/${siteId}`);
        if (fleet.device(siteId, body.id)) throw new ApiError(409, `device ${siteId}/${body.id} already exists: remove it first to give it a new secret`);
        const auth = body.auth === 'static' ? 'static' : 'signed';
        const checked = deviceSchema.safeParse({ ...body, auth: 'signed', loginKey: PLACEHOLDER_KEY });
        if (!checked.success) {
          const found = checked.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
          throw new ApiError(422, `device refused: ${found.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { problems: found });
        }
        const [issued] = await issueSecrets([{ site: siteId, device: body.id, auth }]);
        // A static hash took a moment: the same device posted meanwhile is not replaced unasked.
        if (fleet.device(siteId, body.id)) throw new ApiError(409, `device ${siteId}/${body.id} already exists: remove it first to give it a new secret`);
        let written;
        try {
          [written] = fleet.putDevices([{ site: siteId, device: { ...(body as unknown as DeviceInput), ...issued!.credential } }], actorOf(ctx, request));
        } catch (err) {
          throw registryRefusal(err);
        }
        noStore(reply);
        reply.status(201);
        if (wantsCsv(request)) {
          attachment(reply, `${siteId}-${body.id}-secret.csv`);
          return reply.send(secretsCsv([issued!]));
        }
        return { site: siteId, device: publicDevice(written!), username: `${siteId}/${body.id}`, secret: issued!.secret };
      },
    );

    r.delete(
      '/sites/:site/devices/:device',
      { config: { role: 'admin' }, schema: { summary: 'Removes a device: it is disconnected and refused from now on', params: deviceParams, response: answers({ 204: z.null() }, 400, 403, 404, 409, 501) } },
      async (request, reply) => {
        const { site, device: id } = request.params;
        if (!siteVisible(ctx, request, site)) throw new ApiError(404, `no device ${site}/${id}`);
        let removed: boolean;
        try {
          removed = registryOf(ctx).removeDevice(site, id, actorOf(ctx, request));
        } catch (err) {
          throw registryRefusal(err);
        }
        if (!removed) throw new ApiError(404, `no device ${site}/${id}`);
        return reply.status(204).send(null);
      },
    );
  };
}
