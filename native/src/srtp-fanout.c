/*
 * WebRTC fan-out in one native call: one incoming RTP packet goes to N viewers, each with its own
 * header (SSRC, payload type, sequence and timestamp rewritten, its header extensions), protected
 * with libsrtp under that viewer's keys and sent on that viewer's ICE socket. werift keeps everything
 * else (signalling, ICE, DTLS, RTCP): JavaScript hands over the keys DTLS agreed, the socket and the
 * peer's address, and asks for retransmissions when a viewer NACKs.
 *
 *   srtpTransport({fd, host, port, profile, key})       one viewer's SRTP context and path -> id
 *   srtpTransportDest(id, fd, host, port)               the nominated pair changed
 *   srtpTransportClose(id)
 *   fanStream(transportId, {ssrc, pt, clockRate, rtxPt, rtxSsrc, twccId, absSendTimeId, midId, mid}) -> id
 *   fanStreamClose(id)
 *   fanSend(ids: Int32Array, rtp: Buffer) -> packets sent
 *   fanNack(id, seqs: number[]) -> packets resent
 *   fanStats(id) -> [packets, octets, lastRtpTimestamp, lastSentEpochMs, timestampOffset, sendErrors, resent]
 *
 * Each stream keeps werift's sender semantics: the first source's numbers pass unchanged and a new
 * source (another SSRC) is spliced on (sequence from the last sent + 1, timestamp from the last sent
 * plus the wall-clock time in between: protocols/webrtc/rtp-splice.ts). The last HISTORY packets of each
 * stream are kept for NACKs, shared between viewers (one reference-counted copy per incoming packet).
 */
#include "common.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define HISTORY 128
#define MAX_PACKET 1600
#define PROFILE_AES128_CM_SHA1_80 0x0001
#define PROFILE_AEAD_AES_128_GCM 0x0007

typedef struct blob {
  int refs;
  int len;
  uint8_t data[];
} blob;

typedef struct {
  bool used;
  srtp_t srtp;
  int fd;
  struct sockaddr_in dest;
  uint16_t twcc_seq;
  uint64_t send_errors;
} transport_t;

typedef struct {
  bool used;
  int transport;
  uint32_t ssrc;
  uint8_t pt;
  int rtx_pt;
  uint32_t rtx_ssrc;
  uint16_t rtx_seq;
  uint32_t clock_rate;
  int twcc_id, abs_id, mid_id;
  char mid[17];
  /* the splice (rtp-splice.ts) */
  bool have_src, have_last;
  uint32_t src_ssrc;
  uint16_t seq_off;
  uint32_t ts_off;
  uint16_t last_seq;
  uint32_t last_ts;
  double last_ms;
  /* NACK history by outgoing sequence number */
  blob *hist[HISTORY];
  uint16_t hist_seq[HISTORY];
  uint32_t hist_ts[HISTORY];
  /* what werift's sender reports (SR) and its stats */
  uint32_t packets;
  uint64_t octets;
  uint32_t last_rtp_ts;
  double last_sent_ms;
  uint64_t resent;
} stream_t;

static transport_t *transports;
static int n_transports;
static stream_t *streams;
static int n_streams;
static bool srtp_ready;

static void blob_unref(blob *b) {
  if (b && --b->refs == 0) free(b);
}

static double realtime_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static bool seq_newer(uint16_t a, uint16_t b) {
  return a != b && (uint16_t)(a - b) < 0x8000;
}

/* A free slot of a table (grown by doubling); ids are index + 1 so that 0 is never valid. */
static int slot(void **table, int *count, size_t size) {
  for (int i = 0; i < *count; i++)
    if (!*(bool *)((char *)*table + i * size)) return i;
  int grown = *count ? *count * 2 : 16;
  void *bigger = realloc(*table, grown * size);
  if (!bigger) return -1;
  memset((char *)bigger + *count * size, 0, (grown - *count) * size);
  *table = bigger;
  int free_at = *count;
  *count = grown;
  return free_at;
}

static transport_t *get_transport(int id) {
  return id >= 1 && id <= n_transports && transports[id - 1].used ? &transports[id - 1] : NULL;
}

static stream_t *get_stream(int id) {
  return id >= 1 && id <= n_streams && streams[id - 1].used ? &streams[id - 1] : NULL;
}

static bool parse_dest(napi_env env, napi_value host, napi_value port, struct sockaddr_in *out) {
  char text[64];
  size_t len = 0;
  int32_t p = 0;
  if (napi_get_value_string_utf8(env, host, text, sizeof text, &len) != napi_ok) return false;
  if (napi_get_value_int32(env, port, &p) != napi_ok || p <= 0 || p > 65535) return false;
  memset(out, 0, sizeof *out);
  out->sin_family = AF_INET;
  out->sin_port = htons((uint16_t)p);
  return inet_pton(AF_INET, text, &out->sin_addr) == 1;
}

static napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

napi_value srtp_transport(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], host, port, key;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) THROW(env, "srtpTransport(options) needs its options");
  if (!srtp_ready) {
    if (srtp_init() != srtp_err_status_ok) THROW(env, "libsrtp did not initialise");
    srtp_ready = true;
  }
  int fd = (int)get_int_prop(env, argv[0], "fd", -1);
  int profile = (int)get_int_prop(env, argv[0], "profile", 0);
  struct sockaddr_in dest;
  napi_get_named_property(env, argv[0], "host", &host);
  napi_get_named_property(env, argv[0], "port", &port);
  if (fd < 0) THROW(env, "srtpTransport: no socket (fd)");
  if (!parse_dest(env, host, port, &dest)) THROW(env, "srtpTransport: the peer's address is not an IPv4 host and port");
  uint8_t *key_data = NULL;
  size_t key_len = 0;
  bool is_buffer = false;
  napi_get_named_property(env, argv[0], "key", &key);
  if (napi_is_buffer(env, key, &is_buffer) != napi_ok || !is_buffer) THROW(env, "srtpTransport: key must be a Buffer (master key then salt)");
  napi_get_buffer_info(env, key, (void **)&key_data, &key_len);

  srtp_policy_t policy;
  memset(&policy, 0, sizeof policy);
  if (profile == PROFILE_AES128_CM_SHA1_80) {
    srtp_crypto_policy_set_rtp_default(&policy.rtp);
    srtp_crypto_policy_set_rtcp_default(&policy.rtcp);
    if (key_len != 30) THROW(env, "srtpTransport: AES_CM_128_HMAC_SHA1_80 needs a 16-byte key and a 14-byte salt");
  } else if (profile == PROFILE_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    if (key_len != 28) THROW(env, "srtpTransport: AEAD_AES_128_GCM needs a 16-byte key and a 12-byte salt");
  } else {
    THROW(env, "srtpTransport: unsupported SRTP profile");
  }
  uint8_t material[32];
  memcpy(material, key_data, key_len);
  policy.key = material;
  policy.ssrc.type = ssrc_any_outbound;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1; /* a NACKed packet resent under its own SSRC and number */
  policy.next = NULL;

  int at = slot((void **)&transports, &n_transports, sizeof(transport_t));
  if (at < 0) THROW(env, "srtpTransport: out of memory");
  transport_t *t = &transports[at];
  memset(t, 0, sizeof *t);
  if (srtp_create(&t->srtp, &policy) != srtp_err_status_ok) THROW(env, "srtpTransport: libsrtp refused the keys");
  t->used = true;
  t->fd = fd;
  t->dest = dest;
  return number(env, at + 1);
}

napi_value srtp_transport_dest(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t id = 0, fd = -1;
  napi_get_value_int32(env, argv[0], &id);
  napi_get_value_int32(env, argv[1], &fd);
  transport_t *t = get_transport(id);
  struct sockaddr_in dest;
  if (!t) THROW(env, "srtpTransportDest: no such transport");
  if (argc < 4 || fd < 0 || !parse_dest(env, argv[2], argv[3], &dest)) THROW(env, "srtpTransportDest: bad socket or address");
  t->fd = fd;
  t->dest = dest;
  return NULL;
}

/* The one id argument of a call (0, never a valid id, when it is missing or not a number). */
static int32_t id_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t id = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_int32(env, argv[0], &id);
  return id;
}

napi_value srtp_transport_close(napi_env env, napi_callback_info info) {
  transport_t *t = get_transport(id_arg(env, info));
  if (t) {
    srtp_dealloc(t->srtp);
    t->used = false;
  }
  return NULL;
}

napi_value fan_stream(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t tid = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) THROW(env, "fanStream(transport, options)");
  napi_get_value_int32(env, argv[0], &tid);
  if (!get_transport(tid)) THROW(env, "fanStream: no such transport");
  int at = slot((void **)&streams, &n_streams, sizeof(stream_t));
  if (at < 0) THROW(env, "fanStream: out of memory");
  stream_t *s = &streams[at];
  memset(s, 0, sizeof *s);
  s->transport = tid;
  s->ssrc = get_uint_prop(env, argv[1], "ssrc", 0);
  s->pt = (uint8_t)get_uint_prop(env, argv[1], "pt", 96);
  s->clock_rate = get_uint_prop(env, argv[1], "clockRate", 90000);
  s->rtx_pt = (int)get_int_prop(env, argv[1], "rtxPt", -1);
  s->rtx_ssrc = get_uint_prop(env, argv[1], "rtxSsrc", 0);
  s->twcc_id = (int)get_int_prop(env, argv[1], "twccId", 0);
  s->abs_id = (int)get_int_prop(env, argv[1], "absSendTimeId", 0);
  s->mid_id = (int)get_int_prop(env, argv[1], "midId", 0);
  get_string_prop(env, argv[1], "mid", s->mid, sizeof s->mid);
  if (s->twcc_id > 14 || s->abs_id > 14 || s->mid_id > 14 || s->twcc_id < 0 || s->abs_id < 0 || s->mid_id < 0) THROW(env, "fanStream: header extension ids are 1-14 (one-byte form)");
  s->used = true;
  return number(env, at + 1);
}

napi_value fan_stream_close(napi_env env, napi_callback_info info) {
  stream_t *s = get_stream(id_arg(env, info));
  if (s) {
    for (int i = 0; i < HISTORY; i++) blob_unref(s->hist[i]);
    memset(s, 0, sizeof *s);
  }
  return NULL;
}

/* An incoming packet's parts. */
typedef struct {
  const uint8_t *data;
  int len;
  bool marker, padding;
  uint16_t seq;
  uint32_t ts, ssrc;
  int cc;
  const uint8_t *csrc;
  const uint8_t *payload;
  int payload_len;
} rtp_in;

static bool parse_rtp(const uint8_t *b, int len, rtp_in *p) {
  if (len < 12 || (b[0] >> 6) != 2) return false;
  p->data = b;
  p->len = len;
  p->padding = b[0] & 0x20;
  p->cc = b[0] & 0x0f;
  p->marker = b[1] & 0x80;
  p->seq = (uint16_t)(b[2] << 8 | b[3]);
  p->ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
  p->ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11];
  int at = 12 + 4 * p->cc;
  p->csrc = b + 12;
  if (at > len) return false;
  if (b[0] & 0x10) { /* the source's own extensions are not the viewer's: dropped */
    if (at + 4 > len) return false;
    at += 4 + 4 * (b[at + 2] << 8 | b[at + 3]);
    if (at > len) return false;
  }
  p->payload = b + at;
  p->payload_len = len - at;
  return true;
}

static void put16(uint8_t *b, uint16_t v) {
  b[0] = v >> 8;
  b[1] = v & 0xff;
}

static void put32(uint8_t *b, uint32_t v) {
  b[0] = v >> 24;
  b[1] = (v >> 16) & 0xff;
  b[2] = (v >> 8) & 0xff;
  b[3] = v & 0xff;
}

/* The viewer's packet: its header and extensions, then (RTX: the original number and) the payload. */
static int write_packet(stream_t *s, transport_t *t, const rtp_in *in, uint8_t pt, uint32_t ssrc, uint16_t seq, uint32_t ts, int osn, uint8_t *out) {
  uint8_t ext[32];
  int ext_len = 0;
  if (s->mid_id && s->mid[0]) {
    int n = (int)strlen(s->mid);
    ext[ext_len++] = (uint8_t)(s->mid_id << 4 | (n - 1));
    memcpy(ext + ext_len, s->mid, n);
    ext_len += n;
  }
  if (s->abs_id) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    /* 6.18 fixed point seconds (of the NTP epoch: only the low 6 bits of the seconds are sent) */
    uint32_t abs = (uint32_t)(((uint64_t)(now.tv_sec + 2208988800ULL) << 18 | ((uint64_t)now.tv_nsec << 18) / 1000000000ULL) & 0xffffff);
    ext[ext_len++] = (uint8_t)(s->abs_id << 4 | 2);
    ext[ext_len++] = abs >> 16;
    ext[ext_len++] = (abs >> 8) & 0xff;
    ext[ext_len++] = abs & 0xff;
  }
  if (s->twcc_id) {
    t->twcc_seq++;
    ext[ext_len++] = (uint8_t)(s->twcc_id << 4 | 1);
    put16(ext + ext_len, t->twcc_seq);
    ext_len += 2;
  }
  int ext_words = (ext_len + 3) / 4;
  int head = 12 + 4 * in->cc + (ext_len ? 4 + 4 * ext_words : 0);
  int body = in->payload_len + (osn >= 0 ? 2 : 0);
  if (head + body + SRTP_MAX_TRAILER_LEN > MAX_PACKET) return -1;
  /* an RTX packet carries no padding of its own: the original's padding is part of its payload */
  out[0] = (uint8_t)(0x80 | (osn < 0 && in->padding ? 0x20 : 0) | (ext_len ? 0x10 : 0) | in->cc);
  out[1] = (uint8_t)((in->marker ? 0x80 : 0) | (pt & 0x7f));
  put16(out + 2, seq);
  put32(out + 4, ts);
  put32(out + 8, ssrc);
  memcpy(out + 12, in->csrc, 4 * in->cc);
  int at = 12 + 4 * in->cc;
  if (ext_len) {
    out[at] = 0xbe;
    out[at + 1] = 0xde;
    put16(out + at + 2, (uint16_t)ext_words);
    memcpy(out + at + 4, ext, ext_len);
    memset(out + at + 4 + ext_len, 0, ext_words * 4 - ext_len);
    at += 4 + ext_words * 4;
  }
  if (osn >= 0) {
    put16(out + at, (uint16_t)osn);
    at += 2;
  }
  memcpy(out + at, in->payload, in->payload_len);
  return at + in->payload_len;
}

/* Protects and sends; false when the socket refused it (counted). */
static bool protect_send(transport_t *t, uint8_t *packet, int len) {
  if (srtp_protect(t->srtp, packet, &len) != srtp_err_status_ok) {
    t->send_errors++;
    return false;
  }
  ssize_t sent = sendto(t->fd, packet, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&t->dest, sizeof t->dest);
  if (sent != len) {
    t->send_errors++;
    return false;
  }
  return true;
}

napi_value fan_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) THROW(env, "fanSend(ids, packet)");
  napi_typedarray_type type;
  size_t count = 0;
  void *ids_data = NULL;
  if (napi_get_typedarray_info(env, argv[0], &type, &count, &ids_data, NULL, NULL) != napi_ok || type != napi_int32_array) THROW(env, "fanSend: ids must be an Int32Array");
  const int32_t *ids = ids_data;
  uint8_t *data = NULL;
  size_t len = 0;
  bool is_buffer = false;
  if (napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer) THROW(env, "fanSend: the packet must be a Buffer");
  napi_get_buffer_info(env, argv[1], (void **)&data, &len);
  if (len > MAX_PACKET) return number(env, 0);
  blob *b = malloc(sizeof(blob) + len);
  if (!b) THROW(env, "fanSend: out of memory");
  b->refs = 1;
  b->len = (int)len;
  memcpy(b->data, data, len);
  rtp_in in;
  if (!parse_rtp(b->data, b->len, &in)) {
    free(b);
    return number(env, 0);
  }
  double now = realtime_ms();
  uint8_t out[MAX_PACKET];
  int sent = 0;
  for (size_t i = 0; i < count; i++) {
    stream_t *s = get_stream(ids[i]);
    if (!s) continue;
    transport_t *t = get_transport(s->transport);
    if (!t) continue;
    if (!s->have_src || s->src_ssrc != in.ssrc) {
      if (s->have_src && s->have_last) {
        double elapsed = (double)(int64_t)((now - s->last_ms) * s->clock_rate / 1000.0 + 0.5);
        if (elapsed < 1) elapsed = 1;
        s->seq_off = (uint16_t)(s->last_seq + 1 - in.seq);
        s->ts_off = (uint32_t)(s->last_ts + (uint32_t)elapsed - in.ts);
      }
      s->src_ssrc = in.ssrc;
      s->have_src = true;
    }
    uint16_t seq = (uint16_t)(in.seq + s->seq_off);
    uint32_t ts = in.ts + s->ts_off;
    if (!s->have_last || seq_newer(seq, s->last_seq)) {
      s->last_seq = seq;
      s->last_ts = ts;
      s->last_ms = now;
      s->have_last = true;
    }
    int h = seq % HISTORY;
    blob_unref(s->hist[h]);
    s->hist[h] = b;
    b->refs++;
    s->hist_seq[h] = seq;
    s->hist_ts[h] = ts;
    int n = write_packet(s, t, &in, s->pt, s->ssrc, seq, ts, -1, out);
    if (n < 0) continue;
    s->packets++;
    s->octets += in.payload_len;
    s->last_rtp_ts = ts;
    s->last_sent_ms = now;
    if (protect_send(t, out, n)) sent++;
  }
  blob_unref(b);
  return number(env, sent);
}

napi_value fan_nack(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t id = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) THROW(env, "fanNack(id, seqs)");
  napi_get_value_int32(env, argv[0], &id);
  stream_t *s = get_stream(id);
  transport_t *t = s ? get_transport(s->transport) : NULL;
  if (!s || !t) return number(env, 0);
  uint32_t n = 0;
  if (napi_get_array_length(env, argv[1], &n) != napi_ok) THROW(env, "fanNack: seqs must be an array");
  uint8_t out[MAX_PACKET];
  int resent = 0;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    uint32_t seq = 0;
    napi_get_element(env, argv[1], i, &v);
    if (napi_get_value_uint32(env, v, &seq) != napi_ok) continue;
    int h = seq % HISTORY;
    rtp_in in;
    if (!s->hist[h] || s->hist_seq[h] != (uint16_t)seq || !parse_rtp(s->hist[h]->data, s->hist[h]->len, &in)) continue;
    int len = s->rtx_pt >= 0
      ? write_packet(s, t, &in, (uint8_t)s->rtx_pt, s->rtx_ssrc, s->rtx_seq++, s->hist_ts[h], (int)(uint16_t)seq, out)
      : write_packet(s, t, &in, s->pt, s->ssrc, (uint16_t)seq, s->hist_ts[h], -1, out);
    if (len > 0 && protect_send(t, out, len)) {
      resent++;
      s->resent++;
    }
  }
  return number(env, resent);
}

napi_value fan_stats(napi_env env, napi_callback_info info) {
  napi_value out;
  stream_t *s = get_stream(id_arg(env, info));
  if (!s) return NULL;
  transport_t *t = get_transport(s->transport);
  double values[7] = { s->packets, (double)s->octets, s->last_rtp_ts, s->last_sent_ms, s->ts_off, t ? (double)t->send_errors : 0, (double)s->resent };
  napi_create_array_with_length(env, 7, &out);
  for (uint32_t i = 0; i < 7; i++) napi_set_element(env, out, i, number(env, values[i]));
  return out;
}
