import { z } from 'zod';
import { method } from './define.js';

/** A display the host can capture: a real screen, or a virtual one it created (Xvfb on Linux). */
export const displaySchema = z.object({
  id: z.string(),
  name: z.string().describe('The X display on Linux (":5"), a Wayland monitor as socket/connector ("wayland-0/Meta-0"), the adapter name elsewhere'),
  width: z.number().int(),
  height: z.number().int(),
  refreshHz: z.number(),
  virtual: z.boolean(),
  state: z.enum(['running', 'restarting', 'failed']),
  kind: z
    .enum(['x11', 'wayland', 'screen'])
    .describe('How the host captures it and sends it input: an X display (x11grab, XTest), a Wayland monitor (PipeWire screen cast and the desktop\'s remote-desktop input), or the operating system\'s own screen capture'),
});
export type Display = z.infer<typeof displaySchema>;

export const displayInputSchema = z
  .object({
    width: z.number().int().min(160).max(7680).multipleOf(2, 'must be even (H.264 needs even sizes)'),
    height: z.number().int().min(120).max(4320).multipleOf(2, 'must be even (H.264 needs even sizes)'),
    refreshHz: z.number().int().min(1).max(240).optional(),
  })
  .strict();

export const remotePermissionSchema = z.enum(['view', 'control']);
export type RemotePermission = z.infer<typeof remotePermissionSchema>;

export const remoteViewerSchema = z.object({
  id: z.string(),
  remoteAddress: z.string(),
  connected: z.boolean(),
  since: z.number(),
  network: z
    .object({
      lossPercent: z.number().describe('Video packets lost since the viewer\'s previous receiver report'),
      rttMs: z.number().nullable().describe('Smoothed round trip; null until measured'),
      level: z.number().int().describe('Quality level the viewer needs: 0 full .. 3 lowest'),
      auto: z.boolean().describe('The level follows the network (false: the viewer chose it)'),
    })
    .optional()
    .describe('What the viewer\'s receiver reports say, once it receives video'),
});

export const remoteSessionSchema = z.object({
  id: z.string(),
  displayId: z.string(),
  permission: remotePermissionSchema,
  pairingCode: z.string().describe('Six digits the viewer types on /remote; valid until pairingExpiresAt'),
  pairingExpiresAt: z.number(),
  createdAt: z.number(),
  viewers: z.array(remoteViewerSchema),
});
export type RemoteSession = z.infer<typeof remoteSessionSchema>;

/** Names of a remote-desktop capture's quality levels, best first (level 0 is full quality). */
export const QUALITY_LEVEL_NAMES = ['Full', 'High', 'Medium', 'Low'] as const;

export const rdpAccessSchema = z.object({
  displayId: z.string(),
  user: z.string().describe('The user name an RDP client signs in with: the studio user who opened the access'),
  address: z.string().describe('host:port for the RDP client (Windows Remote Desktop, xfreerdp, Remmina)'),
  port: z.number().int(),
  state: z.enum(['starting', 'running', 'restarting', 'failed']),
  certificateSha256: z.string().nullable().describe('Fingerprint of the certificate the RDP client is shown on its first connection'),
  openedBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number().describe('The access closes by itself then (its password stops working)'),
  connected: z.number().int().describe('RDP clients signed in now'),
  signIns: z.number().int(),
  refused: z.number().int().describe('Sign-ins refused (wrong user name or password); each one is in the audit log'),
});
export type RdpAccess = z.infer<typeof rdpAccessSchema>;

export const rdpGatewayInputSchema = z
  .object({
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:_-]+$/, 'must be a host name or an IP address')
      .describe('The RDP server (a Windows machine, xrdp, another host)'),
    port: z.number().int().min(1).max(65535).default(3389),
    user: z.string().min(1).max(104).regex(/^[^\s:/\\]+$/, 'must be a user name without spaces, colons or slashes'),
    password: z.string().max(256).describe('Handed to the RDP client on its standard input and kept nowhere'),
    domain: z.string().max(64).regex(/^[A-Za-z0-9._-]*$/, 'must be a domain name').optional(),
    width: z.number().int().min(640).max(3840).multipleOf(2).default(1280),
    height: z.number().int().min(480).max(2160).multipleOf(2).default(720),
    certificateSha256: z
      .string()
      .max(100)
      .optional()
      .describe("The server certificate's SHA-256 fingerprint to insist on; without it the first one seen is trusted and pinned"),
  })
  .strict();
export type RdpGatewayInput = z.infer<typeof rdpGatewayInputSchema>;

export const rdpGatewaySchema = z.object({
  id: z.string(),
  target: z.string().describe('host:port of the RDP server'),
  user: z.string(),
  displayId: z.string().describe('The virtual display the RDP client draws into'),
  sessionId: z.string(),
  pairingCode: z.string().describe('Six digits a viewer types on /remote to see and drive the remote desktop'),
  pairingExpiresAt: z.number(),
  viewers: z.number().int(),
  certificateSha256: z.string().nullable().describe('The server certificate pinned for it'),
  openedBy: z.string(),
  createdAt: z.number(),
});
export type RdpGateway = z.infer<typeof rdpGatewaySchema>;

/** A display's id in method inputs (`x11-0`, `vd-5`...). */
export const displayIdSchema = z.string().min(1).max(64);
const sessionId = z.string().min(1).max(64);

export const remoteMethods = {
  'displays.list': method({
    tag: 'remote',
    scope: 'remote:read',
    summary: 'Real and virtual displays the host can capture',
    input: z.object({}).strict(),
    output: z.array(displaySchema),
    http: { method: 'GET', path: '/displays' },
  }),
  'displays.create': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'Create a virtual display (Xvfb on Linux) of the chosen size; it lives until deleted or the host stops',
    input: displayInputSchema,
    output: displaySchema,
    http: { method: 'POST', path: '/displays', status: 201 },
  }),
  'displays.delete': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'Destroy a virtual display: its remote sessions end',
    input: z.object({ id: displayIdSchema }).strict(),
    output: z.object({ id: z.string(), deleted: z.literal(true) }),
    http: { method: 'DELETE', path: '/displays/:id' },
  }),
  'remote.sessions.list': method({
    tag: 'remote',
    scope: 'remote:read',
    summary: 'Remote-desktop sessions with their viewers',
    input: z.object({}).strict(),
    output: z.array(remoteSessionSchema),
    http: { method: 'GET', path: '/remote/sessions' },
  }),
  'remote.sessions.create': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'Open a remote-desktop session on a display: returns the pairing code a viewer enters on /remote',
    input: z.object({ displayId: displayIdSchema, permission: remotePermissionSchema }).strict(),
    output: remoteSessionSchema,
    http: { method: 'POST', path: '/remote/sessions', status: 201 },
  }),
  'remote.sessions.end': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'End a session: every viewer is disconnected and its held keys are released',
    input: z.object({ id: sessionId }).strict(),
    output: z.object({ id: z.string(), ended: z.literal(true) }),
    http: { method: 'DELETE', path: '/remote/sessions/:id' },
  }),
  'remote.rdp.list': method({
    tag: 'remote',
    scope: 'remote:read',
    summary: 'RDP accesses open on the host\'s X displays',
    input: z.object({}).strict(),
    output: z.array(rdpAccessSchema),
    http: { method: 'GET', path: '/remote/rdp' },
  }),
  'remote.rdp.open': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'Let RDP clients into an X display: answers a user name and a password made for this access, shown this once (the host keeps only its NT hash); opening again replaces them',
    input: z
      .object({
        displayId: displayIdSchema,
        minutes: z.number().int().min(5).max(1440).default(60).describe('How long the access stays open'),
      })
      .strict(),
    output: rdpAccessSchema.extend({ password: z.string() }),
    http: { method: 'POST', path: '/remote/rdp', status: 201 },
  }),
  'remote.rdp.close': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'Close the RDP access of a display: its RDP clients are disconnected and its password stops working',
    input: z.object({ displayId: displayIdSchema }).strict(),
    output: z.object({ displayId: z.string(), closed: z.literal(true) }),
    http: { method: 'DELETE', path: '/remote/rdp/:displayId' },
  }),
  'remote.gateways.list': method({
    tag: 'remote',
    scope: 'remote:read',
    summary: 'RDP gateway sessions: RDP servers elsewhere shown to browser viewers',
    input: z.object({}).strict(),
    output: z.array(rdpGatewaySchema),
    http: { method: 'GET', path: '/remote/gateways' },
  }),
  'remote.gateways.open': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'Connect to an RDP server and share it as a control session: answers once the remote desktop shows, with the pairing code for a viewer',
    input: rdpGatewayInputSchema,
    output: rdpGatewaySchema,
    http: { method: 'POST', path: '/remote/gateways', status: 201 },
  }),
  'remote.gateways.close': method({
    tag: 'remote',
    scope: 'remote:write',
    summary: 'Disconnect from the RDP server: the viewers are told and the virtual display goes',
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: z.object({ id: z.string(), closed: z.literal(true) }),
    http: { method: 'DELETE', path: '/remote/gateways/:id' },
  }),
} as const;
