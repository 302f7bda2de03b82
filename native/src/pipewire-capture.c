/*
 * Screen capture from a PipeWire video node (a Wayland compositor's screen cast: the ScreenCast portal
 * or mutter's own API gives the node, and for the portal a remote fd).
 *
 * PipeWire runs its own thread (pw_thread_loop). Each frame is copied once into the buffers shared with
 * JavaScript (frame-slots.h), which is told which one through a thread-safe function; the newest frame
 * can be sent again while the screen does not change (compositors send frames on damage only). Frames
 * closer together than the asked rate are skipped in this thread. Cursor metadata (position, hotspot,
 * and the bitmap when it changes) goes up as its own events: the viewer draws the pointer.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/buffer/meta.h>
#include <spa/param/video/format-utils.h>
#include <spa/utils/result.h>

#include "common.h"
#include "frame-slots.h"

#define CURSOR_MAX 1024
#define CURSOR_META_SIZE(w, h) (sizeof(struct spa_meta_cursor) + sizeof(struct spa_meta_bitmap) + (size_t)(w) * (h) * 4)

enum event_type { EV_FORMAT, EV_FRAME, EV_CURSOR, EV_STATE, EV_ERROR };

typedef struct capture {
  /* The frame slots (shared with JavaScript's thread, under their lock), the event channel, the owners: first. */
  capture_core life;
  struct pw_thread_loop *loop;
  struct pw_context *context;
  struct pw_core *core;
  struct spa_hook core_listener;
  struct pw_stream *stream;
  struct spa_hook stream_listener;
  /* Only PipeWire's thread: */
  int64_t interval_ns, last_sent_ns;
  int cursor_x, cursor_y, cursor_visible;
  uint32_t cursor_serial;
} capture;

typedef struct event {
  int type;
  int index;
  uint32_t generation;
  int width, height;
  int64_t pts_ns;
  char text[256];
  int cursor_x, cursor_y, cursor_visible, hot_x, hot_y, image_w, image_h;
  uint8_t *image; /* RGBA, image_w * image_h * 4 */
} event;

/* ffmpeg's name for a packed 32-bit layout PipeWire negotiated. */
static const char *pixel_format_name(uint32_t format) {
  switch (format) {
    case SPA_VIDEO_FORMAT_BGRx: return "bgr0";
    case SPA_VIDEO_FORMAT_RGBx: return "rgb0";
    case SPA_VIDEO_FORMAT_BGRA: return "bgra";
    case SPA_VIDEO_FORMAT_RGBA: return "rgba";
    case SPA_VIDEO_FORMAT_xRGB: return "0rgb";
    case SPA_VIDEO_FORMAT_xBGR: return "0bgr";
    case SPA_VIDEO_FORMAT_ARGB: return "argb";
    case SPA_VIDEO_FORMAT_ABGR: return "abgr";
    default: return "unknown";
  }
}

static void post(capture *cap, event *ev) {
  if (napi_call_threadsafe_function(cap->life.tsfn, ev, napi_tsfn_nonblocking) != napi_ok) {
    free(ev->image);
    free(ev);
  }
}

static void post_text(capture *cap, int type, const char *text) {
  event *ev = calloc(1, sizeof(event));
  if (!ev) return;
  ev->type = type;
  snprintf(ev->text, sizeof(ev->text), "%s", text);
  post(cap, ev);
}

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message) {
  capture *cap = data;
  (void)seq;
  if (id != PW_ID_CORE) return;
  char text[256];
  if (res == -EPIPE) snprintf(text, sizeof(text), "PipeWire went away (%s)", message ? message : "connection closed");
  else snprintf(text, sizeof(text), "PipeWire: %s (%s)", message ? message : "error", spa_strerror(res));
  post_text(cap, EV_ERROR, text);
}

static const struct pw_core_events core_events = {
  PW_VERSION_CORE_EVENTS,
  .error = on_core_error,
};

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state, const char *error) {
  capture *cap = data;
  (void)old;
  if (state == PW_STREAM_STATE_ERROR) {
    char text[256];
    snprintf(text, sizeof(text), "the screen cast stream failed: %s", error ? error : "unknown error");
    post_text(cap, EV_ERROR, text);
    return;
  }
  post_text(cap, EV_STATE, pw_stream_state_as_string(state));
}

static void on_param_changed(void *data, uint32_t id, const struct spa_pod *param) {
  capture *cap = data;
  if (param == NULL || id != SPA_PARAM_Format) return;
  uint32_t media_type, media_subtype;
  if (spa_format_parse(param, &media_type, &media_subtype) < 0) return;
  if (media_type != SPA_MEDIA_TYPE_video || media_subtype != SPA_MEDIA_SUBTYPE_raw) return;
  struct spa_video_info_raw info;
  spa_zero(info);
  if (spa_format_video_raw_parse(param, &info) < 0) return;

  uint8_t buffer[1024];
  struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
  const struct spa_pod *params[3];
  params[0] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
      SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int((1 << SPA_DATA_MemPtr) | (1 << SPA_DATA_MemFd)));
  params[1] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
      SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
      SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_header)));
  params[2] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
      SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Cursor),
      SPA_PARAM_META_size, SPA_POD_CHOICE_RANGE_Int(CURSOR_META_SIZE(384, 384), CURSOR_META_SIZE(1, 1), CURSOR_META_SIZE(CURSOR_MAX, CURSOR_MAX)));
  pw_stream_update_params(cap->stream, params, 3);

  event *ev = calloc(1, sizeof(event));
  if (!ev) return;
  ev->type = EV_FORMAT;
  ev->width = (int)info.size.width;
  ev->height = (int)info.size.height;
  snprintf(ev->text, sizeof(ev->text), "%s", pixel_format_name(info.format));
  slots_invalidate(&cap->life.slots);
  post(cap, ev);
}

/* A copy of the cursor's bitmap as RGBA, whatever 32-bit layout the compositor used. */
static uint8_t *cursor_rgba(const struct spa_meta_bitmap *bm, int *w, int *h) {
  if (bm->size.width == 0 || bm->size.height == 0 || bm->size.width > CURSOR_MAX || bm->size.height > CURSOR_MAX) return NULL;
  *w = (int)bm->size.width;
  *h = (int)bm->size.height;
  uint8_t *out = malloc((size_t)*w * *h * 4);
  if (!out) return NULL;
  const uint8_t *src = SPA_PTROFF(bm, bm->offset, const uint8_t);
  for (int y = 0; y < *h; y++) {
    const uint8_t *row = src + (size_t)y * bm->stride;
    uint8_t *dst = out + (size_t)y * *w * 4;
    for (int x = 0; x < *w; x++) {
      const uint8_t *p = row + x * 4;
      uint8_t r, g, b, a;
      switch (bm->format) {
        case SPA_VIDEO_FORMAT_BGRA: b = p[0]; g = p[1]; r = p[2]; a = p[3]; break;
        case SPA_VIDEO_FORMAT_ARGB: a = p[0]; r = p[1]; g = p[2]; b = p[3]; break;
        case SPA_VIDEO_FORMAT_ABGR: a = p[0]; b = p[1]; g = p[2]; r = p[3]; break;
        default: r = p[0]; g = p[1]; b = p[2]; a = p[3]; break;
      }
      dst[x * 4] = r; dst[x * 4 + 1] = g; dst[x * 4 + 2] = b; dst[x * 4 + 3] = a;
    }
  }
  return out;
}

static void read_cursor(capture *cap, struct spa_buffer *buf) {
  struct spa_meta_cursor *mc = spa_buffer_find_meta_data(buf, SPA_META_Cursor, sizeof(*mc));
  if (!mc) return;
  int visible = spa_meta_cursor_is_valid(mc) ? 1 : 0;
  int has_bitmap = 0;
  struct spa_meta_bitmap *bm = NULL;
  if (visible && mc->bitmap_offset >= sizeof(*mc)) {
    bm = SPA_PTROFF(mc, mc->bitmap_offset, struct spa_meta_bitmap);
    has_bitmap = bm->size.width > 0 && bm->size.height > 0;
  }
  if (!has_bitmap && visible == cap->cursor_visible && (!visible || (mc->position.x == cap->cursor_x && mc->position.y == cap->cursor_y))) return;
  cap->cursor_visible = visible;
  cap->cursor_x = mc->position.x;
  cap->cursor_y = mc->position.y;
  event *ev = calloc(1, sizeof(event));
  if (!ev) return;
  ev->type = EV_CURSOR;
  ev->cursor_visible = visible;
  ev->cursor_x = mc->position.x;
  ev->cursor_y = mc->position.y;
  ev->hot_x = mc->hotspot.x;
  ev->hot_y = mc->hotspot.y;
  if (has_bitmap) ev->image = cursor_rgba(bm, &ev->image_w, &ev->image_h);
  post(cap, ev);
}

static void on_process(void *data) {
  capture *cap = data;
  struct pw_buffer *b = NULL, *next;
  /* Only the newest queued buffer matters: the others go back at once. */
  while ((next = pw_stream_dequeue_buffer(cap->stream)) != NULL) {
    if (b) pw_stream_queue_buffer(cap->stream, b);
    b = next;
  }
  if (!b) return;
  struct spa_buffer *buf = b->buffer;
  read_cursor(cap, buf);
  struct spa_data *d = &buf->datas[0];
  struct spa_meta_header *h = spa_buffer_find_meta_data(buf, SPA_META_Header, sizeof(*h));
  int corrupted = (h && (h->flags & SPA_META_HEADER_FLAG_CORRUPTED)) || (d->chunk->flags & SPA_CHUNK_FLAG_CORRUPTED);
  /* A buffer with no picture (the pointer moved, nothing else) or a damaged one carries no frame. */
  if (d->data == NULL || d->chunk->size == 0 || corrupted) {
    pw_stream_queue_buffer(cap->stream, b);
    return;
  }
  int64_t now = monotonic_ns();
  if (cap->interval_ns > 0 && cap->last_sent_ns != 0 && now - cap->last_sent_ns < cap->interval_ns * 9 / 10) {
    cap->life.slots.skipped++;
    pw_stream_queue_buffer(cap->stream, b);
    return;
  }
  int slot;
  frame_slots *sl = &cap->life.slots;
  uint8_t *dst = slots_begin(sl, &slot);
  if (!dst) {
    pw_stream_queue_buffer(cap->stream, b);
    return;
  }
  size_t row = (size_t)sl->width * sl->bpp;
  int32_t stride = d->chunk->stride != 0 ? d->chunk->stride : (int32_t)row;
  const uint8_t *src = SPA_PTROFF(d->data, d->chunk->offset % (d->maxsize ? d->maxsize : 1), const uint8_t);
  size_t available = d->maxsize - (d->chunk->offset % (d->maxsize ? d->maxsize : 1));
  int rows = sl->height;
  if ((size_t)stride * (rows - 1) + row > available) rows = stride > 0 ? (int)((available - row) / (size_t)stride) + 1 : 0;
  for (int y = 0; y < rows; y++) memcpy(dst + y * row, src + (size_t)y * stride, row);
  if (rows < sl->height) memset(dst + (size_t)rows * row, 0, (size_t)(sl->height - rows) * row);
  uint32_t generation = slots_end(sl, slot);
  cap->last_sent_ns = now;
  pw_stream_queue_buffer(cap->stream, b);

  event *ev = calloc(1, sizeof(event));
  if (!ev) return;
  ev->type = EV_FRAME;
  ev->index = slot;
  ev->generation = generation;
  ev->pts_ns = h ? h->pts : now;
  post(cap, ev);
}

static const struct pw_stream_events stream_events = {
  PW_VERSION_STREAM_EVENTS,
  .state_changed = on_state_changed,
  .param_changed = on_param_changed,
  .process = on_process,
};

/* --- JavaScript side ------------------------------------------------------------------------- */

static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  capture *cap = context;
  event *ev = data;
  if (env == NULL || cap->life.stopped) {
    free(ev->image);
    free(ev);
    return;
  }
  napi_value obj, undefined;
  napi_create_object(env, &obj);
  napi_get_undefined(env, &undefined);
  switch (ev->type) {
    case EV_FORMAT: {
      set_string(env, obj, "type", "format");
      set_int(env, obj, "width", ev->width);
      set_int(env, obj, "height", ev->height);
      set_string(env, obj, "pixelFormat", ev->text);
      napi_set_named_property(env, obj, "buffers", slots_make_buffers(env, &cap->life.slots, ev->width, ev->height));
      set_int(env, obj, "generation", (int64_t)cap->life.slots.generation);
      break;
    }
    case EV_FRAME:
      set_string(env, obj, "type", "frame");
      set_int(env, obj, "index", ev->index);
      set_int(env, obj, "generation", ev->generation);
      set_double(env, obj, "ptsNs", (double)ev->pts_ns);
      break;
    case EV_CURSOR:
      set_string(env, obj, "type", "cursor");
      set_bool(env, obj, "visible", ev->cursor_visible);
      set_int(env, obj, "x", ev->cursor_x);
      set_int(env, obj, "y", ev->cursor_y);
      set_int(env, obj, "hotX", ev->hot_x);
      set_int(env, obj, "hotY", ev->hot_y);
      if (ev->image) {
        napi_value image;
        void *copy;
        napi_create_buffer_copy(env, (size_t)ev->image_w * ev->image_h * 4, ev->image, &copy, &image);
        napi_set_named_property(env, obj, "image", image);
        set_int(env, obj, "imageWidth", ev->image_w);
        set_int(env, obj, "imageHeight", ev->image_h);
      }
      break;
    case EV_STATE:
      set_string(env, obj, "type", "state");
      set_string(env, obj, "state", ev->text);
      break;
    case EV_ERROR:
      set_string(env, obj, "type", "error");
      set_string(env, obj, "message", ev->text);
      break;
  }
  free(ev->image);
  free(ev);
  napi_call_function(env, undefined, callback, 1, &obj, NULL);
}

static void teardown(capture_core *core) {
  capture *cap = (capture *)core;
  if (cap->loop) pw_thread_loop_lock(cap->loop);
  if (cap->stream) {
    pw_stream_disconnect(cap->stream);
    pw_stream_destroy(cap->stream);
    cap->stream = NULL;
  }
  if (cap->core) {
    pw_core_disconnect(cap->core);
    cap->core = NULL;
  }
  if (cap->loop) {
    pw_thread_loop_unlock(cap->loop);
    pw_thread_loop_stop(cap->loop);
  }
  if (cap->context) {
    pw_context_destroy(cap->context);
    cap->context = NULL;
  }
  if (cap->loop) {
    pw_thread_loop_destroy(cap->loop);
    cap->loop = NULL;
  }
}

static int pw_ready = 0;

/*
 * openCapture({ nodeId, fd?, fps, width?, height? }, onEvent) -> { release, repeat, stats, stop }
 * fd: a PipeWire remote from the portal (OpenPipeWireRemote), duplicated here; without it the
 * session's own PipeWire ($XDG_RUNTIME_DIR/pipewire-0).
 */
napi_value open_capture(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) THROW(env, "openCapture(options, onEvent)");
  uint32_t node_id = get_uint_prop(env, argv[0], "nodeId", 0);
  int32_t fd = (int32_t)get_int_prop(env, argv[0], "fd", -1);
  uint32_t fps = get_uint_prop(env, argv[0], "fps", 30);
  /* The size asked for: what a virtual monitor is made at; a real monitor sends its own. */
  uint32_t want_w = get_uint_prop(env, argv[0], "width", 1920);
  uint32_t want_h = get_uint_prop(env, argv[0], "height", 1080);
  if (node_id == 0) THROW(env, "openCapture: nodeId is required");

  if (!pw_ready) {
    pw_init(NULL, NULL);
    pw_ready = 1;
  }
  capture *cap = calloc(1, sizeof(capture));
  if (!cap) THROW(env, "out of memory");
  core_init(&cap->life, teardown);
  cap->interval_ns = fps > 0 ? 1000000000LL / fps : 0;
  if (!core_open_channel(env, &cap->life, argv[1], "pipewire-capture", call_js)) {
    free(cap);
    THROW(env, "openCapture: could not make the event channel");
  }

  char failure[256] = "";
  cap->loop = pw_thread_loop_new("streams-capture", NULL);
  if (!cap->loop) snprintf(failure, sizeof(failure), "PipeWire: could not make a thread loop");
  if (!failure[0]) {
    cap->context = pw_context_new(pw_thread_loop_get_loop(cap->loop), NULL, 0);
    if (!cap->context) snprintf(failure, sizeof(failure), "PipeWire: could not make a context");
  }
  if (!failure[0] && pw_thread_loop_start(cap->loop) < 0) snprintf(failure, sizeof(failure), "PipeWire: could not start its thread");
  if (!failure[0]) {
    pw_thread_loop_lock(cap->loop);
    if (fd >= 0) {
      int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      cap->core = own >= 0 ? pw_context_connect_fd(cap->context, own, NULL, 0) : NULL;
    } else {
      cap->core = pw_context_connect(cap->context, NULL, 0);
    }
    if (!cap->core) {
      snprintf(failure, sizeof(failure), "PipeWire is not reachable (%s)", strerror(errno));
    } else {
      pw_core_add_listener(cap->core, &cap->core_listener, &core_events, cap);
      cap->stream = pw_stream_new(cap->core, "streams-studio-capture",
          pw_properties_new(PW_KEY_MEDIA_TYPE, "Video", PW_KEY_MEDIA_CATEGORY, "Capture", PW_KEY_MEDIA_ROLE, "Screen", NULL));
      if (!cap->stream) {
        snprintf(failure, sizeof(failure), "PipeWire: could not make a stream");
      } else {
        pw_stream_add_listener(cap->stream, &cap->stream_listener, &stream_events, cap);
        uint8_t buffer[1024];
        struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
        const struct spa_pod *params[1];
        params[0] = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat,
            SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
            SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw),
            SPA_FORMAT_VIDEO_format, SPA_POD_CHOICE_ENUM_Id(7, SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_BGRx, SPA_VIDEO_FORMAT_RGBx,
                SPA_VIDEO_FORMAT_BGRA, SPA_VIDEO_FORMAT_RGBA, SPA_VIDEO_FORMAT_xRGB, SPA_VIDEO_FORMAT_xBGR),
            SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(&SPA_RECTANGLE(want_w, want_h), &SPA_RECTANGLE(1, 1), &SPA_RECTANGLE(8192, 8192)),
            SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(&SPA_FRACTION(fps, 1), &SPA_FRACTION(0, 1), &SPA_FRACTION(360, 1)));
        int res = pw_stream_connect(cap->stream, PW_DIRECTION_INPUT, node_id,
            PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS, params, 1);
        if (res < 0) snprintf(failure, sizeof(failure), "PipeWire: could not connect to node %u (%s)", node_id, spa_strerror(res));
      }
    }
    pw_thread_loop_unlock(cap->loop);
  }
  if (failure[0]) {
    core_stop(&cap->life);
    THROW(env, failure);
  }
  return core_handle(env, &cap->life);
}
