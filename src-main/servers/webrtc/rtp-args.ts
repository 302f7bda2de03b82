/**
 * Pure ffmpeg arguments and SDP for the two WebRTC bridges that need a codec change:
 * AAC (FLV from the Path) -> Opus RTP for viewers, and a WHIP publisher's RTP -> FLV for the Path.
 */

export const OPUS_PAYLOAD_TYPE = 111;

/** AAC audio of an FLV stream on stdin to Opus RTP on loopback (20 ms frames, low-delay mode). */
export function aacToOpusArgs(rtpPort: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // The audio sequence header comes first: no probing delay is needed to know the stream.
    '-fflags', 'nobuffer', '-probesize', '32768', '-analyzeduration', '0',
    '-f', 'flv', '-i', 'pipe:0',
    '-vn', '-c:a', 'libopus', '-b:a', '96k', '-ar', '48000', '-ac', '2',
    '-application', 'lowdelay', '-frame_duration', '20',
    '-payload_type', String(OPUS_PAYLOAD_TYPE),
    '-f', 'rtp', `rtp://127.0.0.1:${rtpPort}?pkt_size=1200`,
  ];
}

export interface IngestTrack {
  port: number;
  payloadType: number;
}

export interface IngestSdpInput {
  video?: IngestTrack & { codec: 'h264' | 'vp8' };
  audio?: IngestTrack;
}

/** The SDP ffmpeg reads to receive a WHIP publisher's RTP, forwarded unencrypted on loopback. */
export function ingestSdp(input: IngestSdpInput): string {
  const out = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=whip', 'c=IN IP4 127.0.0.1', 't=0 0'];
  if (input.video) {
    const { port, payloadType, codec } = input.video;
    out.push(`m=video ${port} RTP/AVP ${payloadType}`);
    if (codec === 'h264') out.push(`a=rtpmap:${payloadType} H264/90000`, `a=fmtp:${payloadType} packetization-mode=1`);
    else out.push(`a=rtpmap:${payloadType} VP8/90000`);
  }
  if (input.audio) {
    const { port, payloadType } = input.audio;
    out.push(`m=audio ${port} RTP/AVP ${payloadType}`, `a=rtpmap:${payloadType} opus/48000/2`);
  }
  return `${out.join('\r\n')}\r\n`;
}

/**
 * RTP (described by an SDP file) to FLV on stdout for the Path: H.264 is copied, VP8 becomes H.264
 * (x264 ultrafast/zerolatency, 1 s GOP), Opus becomes AAC.
 */
export function ingestArgs(sdpPath: string, videoCodec: 'h264' | 'vp8' | undefined, hasAudio: boolean): string[] {
  const video =
    videoCodec === undefined
      ? []
      : videoCodec === 'h264'
        ? ['-map', '0:v:0', '-c:v', 'copy']
        : ['-map', '0:v:0', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p'];
  const audio = hasAudio ? ['-map', '0:a:0', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000'] : [];
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-protocol_whitelist', 'file,udp,rtp',
    // Enough to see one keyframe's SPS/PPS (a PLI is sent when ffmpeg starts); RTP arrives in real time.
    '-analyzeduration', '1000000', '-probesize', '5000000',
    // Reordering is already done by the WebRTC receiver (NACK): a deep queue only adds delay.
    '-reorder_queue_size', '50',
    '-f', 'sdp', '-i', sdpPath,
    ...video, ...audio,
    '-flvflags', 'no_duration_filesize',
    '-f', 'flv', 'pipe:1',
  ];
}
