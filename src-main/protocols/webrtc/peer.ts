import {
  MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, useFIR, useNACK, usePLI, useREMB, useSdesMid, useSdesRTPStreamId, useTransportWideCC, useTWCC,
  type RTCPeerConnectionConfig,
} from 'werift';
import type { IceOptions } from './ice-options.js';
import type { CodecChoice } from './sdp.js';

export type PeerConfigInput = Partial<RTCPeerConnectionConfig> & Record<string, unknown>;

/** The werift configuration for one session, with exactly the negotiated codecs. */
export function peerConfig(ice: IceOptions, choice: CodecChoice): PeerConfigInput {
  const feedback = [useNACK(), usePLI(), useFIR(), useREMB(), ...(ice.twcc ? [useTWCC()] : [])];
  const video = choice.video
    ? [
        new RTCRtpCodecParameters({
          mimeType: choice.video.name === 'h264' ? 'video/H264' : 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: feedback,
          ...(choice.video.name === 'h264' ? { parameters: fmtpLine(choice.video.codec.fmtp) } : {}),
        }),
      ]
    : [];
  const audio = choice.audio ? [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })] : [];
  // The transport-wide sequence number extension is what TWCC feedback counts: only with twcc.
  const twcc = ice.twcc ? [useTransportWideCC()] : [];
  // A simulcast publisher names each encoding's packets by its rid (RFC 8852): werift routes them by it.
  const simulcast = choice.video?.rids ? [useSdesMid(), useSdesRTPStreamId()] : [];
  return {
    codecs: { video, audio },
    headerExtensions: { video: [...twcc, ...simulcast], audio: [...twcc] },
    iceServers: ice.iceServers ?? [],
    ...(ice.portRange ? { icePortRange: ice.portRange } : {}),
    ...(ice.bindAddress ? { iceInterfaceAddresses: { udp4: ice.bindAddress } } : {}),
    ...(ice.additionalHostAddresses?.length ? { iceAdditionalHostAddresses: ice.additionalHostAddresses } : {}),
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
  };
}

function fmtpLine(fmtp: Record<string, string>): string {
  return Object.entries(fmtp)
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

/** The answer once ICE gathering is complete (WHIP/WHEP answers carry all candidates: no server trickle). */
export async function answerWhenGathered(pc: RTCPeerConnection, timeoutMs = 5000): Promise<string> {
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new Error('no local description');
  return sdp;
}

export { MediaStreamTrack, RTCPeerConnection };
