import type { ErrorCode } from './errors.js';

/**
 * What each code means to a person (`title`) and what to try (`hint`). The UI shows these words;
 * the error's own message adds the specifics (which field, which port).
 */
export const ERROR_CATALOGUE: Record<ErrorCode, { title: string; hint: string }> = {
  VALIDATION_FAILED: { title: 'Some values are not valid', hint: 'Fix the highlighted fields and try again.' },
  BAD_REQUEST: { title: 'The request was not understood', hint: 'Reload the page; if it persists, report it.' },
  BODY_REQUIRED: { title: 'The request had no body', hint: 'Send the values as a JSON body (Content-Type: application/json).' },
  UNAUTHORIZED: { title: 'You are signed out', hint: 'Open the login link printed by the host, or send the API token.' },
  LOGIN_CODE_INVALID: { title: 'That login link has expired or was used', hint: 'Ask the host for a new login link.' },
  FORBIDDEN: { title: 'Not allowed', hint: 'This client is not permitted to do that.' },
  NOT_FOUND: { title: 'Not found', hint: 'It may have been removed.' },
  METHOD_NOT_ALLOWED: { title: 'Not allowed on this address', hint: 'Check the API method.' },
  CONFLICT: { title: 'Conflicts with the current state', hint: 'Refresh and try again.' },
  PAYLOAD_TOO_LARGE: { title: 'Too large', hint: 'Send less data.' },
  UNSUPPORTED_MEDIA_TYPE: { title: 'Wrong content type', hint: 'Send JSON with Content-Type: application/json.' },
  RATE_LIMITED: { title: 'Too many attempts', hint: 'Wait a moment and try again.' },
  INTERNAL: { title: 'Something went wrong in the studio', hint: 'See the host log for details.' },
  NOT_IMPLEMENTED_ON_OS: { title: 'Not supported on this system', hint: 'This feature needs another operating system.' },
  UNAVAILABLE: { title: 'Temporarily unavailable', hint: 'Try again shortly.' },
  CONFIG_INVALID: { title: 'The configuration is not valid', hint: 'Fix the named field in config.yaml or its STREAMS_* variable.' },
  PORT_IN_USE: { title: 'A port is already in use', hint: 'Stop the other program or choose another port.' },
  HOME_UNWRITABLE: { title: 'The studio home cannot be written', hint: 'Choose another --home or fix its permissions.' },
  HOME_LOCKED: { title: 'Another host is using this home', hint: 'Stop it, or start this one with another --home.' },
  INSECURE_BIND: { title: 'Refusing to listen on the network without TLS', hint: 'Configure http.tls, or bind to 127.0.0.1.' },
  FFMPEG_NOT_FOUND: { title: 'ffmpeg was not found', hint: 'Install ffmpeg, or set FFMPEG_PATH to its binary.' },
  FFMPEG_FAILED: { title: 'ffmpeg failed', hint: 'See the host log for its output.' },
  FFMPEG_FEATURE_MISSING: {
    title: 'The ffmpeg found cannot do this',
    hint: 'Install a current ffmpeg (apt install ffmpeg, or your OS package) or set FFMPEG_PATH to one, then restart the host.',
  },
  OBS_AUTH_FAILED: { title: 'OBS refused the password', hint: 'Copy the password from OBS: Tools > WebSocket Server Settings > Show Connect Info.' },
  OBS_NOT_CONNECTED: { title: 'OBS is not connected', hint: 'Start OBS with its WebSocket server on; the studio reconnects by itself.' },
  OBS_REQUEST_FAILED: { title: 'OBS could not do that', hint: 'See the message for what OBS answered.' },
  SDP_INVALID: { title: 'The WebRTC offer is not valid', hint: 'Send an SDP offer (Content-Type: application/sdp) from a WebRTC client.' },
  SDP_TOO_LARGE: { title: 'The WebRTC offer is too large', hint: 'Offer fewer media sections or codecs.' },
  CODEC_UNSUPPORTED: { title: 'No codec in common', hint: 'Offer H.264 (packetization-mode 1) or VP8 video and Opus audio.' },
  ICE_RESTART_UNSUPPORTED: { title: 'ICE restart is not supported', hint: 'End the session (DELETE) and send a new offer.' },
  DISPLAY_LIMIT_REACHED: { title: 'Too many virtual displays', hint: 'Delete a virtual display first.' },
  DISPLAY_FAILED: { title: 'The display could not be started', hint: 'Check that Xvfb is installed; see the host log.' },
  PAIRING_CODE_INVALID: { title: 'That pairing code is not valid', hint: 'Ask the host for the code shown with the session; codes expire.' },
  REMOTE_TOKEN_INVALID: { title: 'The remote session has expired', hint: 'Pair again with a new code.' },
  STREAM_OFFLINE: { title: 'The stream is not live', hint: 'Start publishing, then open the player again.' },
  CHECKSUM_MISMATCH: { title: 'A part of the upload arrived damaged', hint: 'It was refused; the upload sends it again.' },
  MEDIA_INVALID: { title: 'This file is not a video the studio can read', hint: 'Upload a video or audio file (MP4, MOV, MKV, WebM...).' },
  INSUFFICIENT_STORAGE: { title: 'The disk is full', hint: 'Free space on the host (delete videos or recordings), then resume.' },
};
