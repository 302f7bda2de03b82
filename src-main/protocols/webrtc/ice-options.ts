import type { StudioConfig } from '../../../src-shared/config.js';

// Apart from peer.ts, which loads werift: the host reads these settings at start, and werift (with its
// certificate libraries) is loaded by the first peer connection.

/** ICE and congestion settings of every peer connection (the `webrtc` config section). */
export interface IceOptions {
  /** UDP port range of ICE host candidates; undefined lets the OS choose. */
  portRange?: [number, number];
  /** Host candidates of this IPv4 address only (one non-loopback interface; werift ignores others); undefined: every interface. */
  bindAddress?: string;
  /** Extra host candidate addresses (a public address in front of a 1:1 NAT). */
  additionalHostAddresses?: string[];
  iceServers?: { urls: string; username?: string; credential?: string }[];
  /** Transport-wide congestion control feedback (off by default: see the README). */
  twcc?: boolean;
}

/** The ICE settings of the `webrtc` config section, as werift wants them. */
export function iceOptionsOf(c: StudioConfig['webrtc']): IceOptions {
  const iceServers: NonNullable<IceOptions['iceServers']> = [];
  if (c.stunServer) iceServers.push({ urls: c.stunServer });
  if (c.turnServer) iceServers.push({ urls: c.turnServer, username: c.turnUsername, credential: c.turnCredential });
  return {
    ...(c.portMin > 0 ? { portRange: [c.portMin, Math.max(c.portMin, c.portMax || 65535)] as [number, number] } : {}),
    ...(c.bindAddress ? { bindAddress: c.bindAddress } : {}),
    ...(c.publicAddress ? { additionalHostAddresses: [c.publicAddress] } : {}),
    iceServers,
    twcc: c.twcc,
  };
}
