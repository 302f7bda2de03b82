import dgram from 'node:dgram';

/** A UDP socket bound on loopback; port 0 picks a free one. */
export function bindUdp(port = 0): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/**
 * An even RTP port with its RTCP neighbour (port + 1) both bound on loopback. ffmpeg sends or expects
 * RTCP there; binding it too keeps ICMP "port unreachable" answers from failing its RTP socket.
 */
export async function bindRtpPair(attempts = 20): Promise<{ rtp: dgram.Socket; rtcp: dgram.Socket; port: number }> {
  for (let i = 0; i < attempts; i++) {
    const probe = await bindUdp(0);
    const port = probe.address().port & ~1;
    probe.close();
    try {
      const rtp = await bindUdp(port);
      try {
        const rtcp = await bindUdp(port + 1);
        return { rtp, rtcp, port };
      } catch {
        rtp.close();
      }
    } catch {
      // Taken meanwhile: try another.
    }
  }
  throw new Error('no free pair of UDP ports on loopback');
}

/** A free even port whose neighbour is free too, for a receiver (ffmpeg) that binds them itself. */
export async function freeRtpPort(): Promise<number> {
  const pair = await bindRtpPair();
  pair.rtp.close();
  pair.rtcp.close();
  return pair.port;
}
