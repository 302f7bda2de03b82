/*
 * wlroots desktops (sway, Wayfire, river, labwc...): the host as a Wayland client of the desktop's own
 * compositor, as wayvnc is. The picture through wlr-screencopy (the compositor copies an output into
 * shared memory of ours on damage), the input through the wlroots virtual-pointer protocol and the
 * virtual-keyboard one (keys by evdev code, in a US keymap made with xkbcommon; typed text by symbol,
 * found in that keymap). No portal and no GPU are needed: xdg-desktop-portal-wlr offers only DMA-BUF
 * buffers where the compositor renders without a GPU, which its clients cannot read.
 *
 * Debian has no package of these protocols' XML files: the interface tables below are written from
 * the protocols' specifications (wlr-screencopy-unstable-v1 version 2, wlr-virtual-pointer-unstable-v1
 * version 2, virtual-keyboard-unstable-v1 version 1, xdg-output-unstable-v1 version 3), as the
 * generated code of wayland-scanner would describe them. libwayland-client does the wire protocol.
 *
 * The capture runs a thread of its own with its own connection; the input is a second connection used
 * from JavaScript's thread (each request is sent at once).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "common.h"
#include "frame-slots.h"

/* --- the protocols' interfaces ---------------------------------------------------------------- */

static const struct wl_interface zwlr_screencopy_frame_v1_interface;
static const struct wl_interface zwlr_virtual_pointer_v1_interface;
static const struct wl_interface zwp_virtual_keyboard_v1_interface;
static const struct wl_interface zxdg_output_v1_interface;

static const struct wl_interface *no_types[] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
static const struct wl_interface *capture_output_types[] = {&zwlr_screencopy_frame_v1_interface, NULL, &wl_output_interface};
static const struct wl_interface *capture_region_types[] = {&zwlr_screencopy_frame_v1_interface, NULL, &wl_output_interface, NULL, NULL, NULL, NULL};
static const struct wl_interface *buffer_types[] = {&wl_buffer_interface};
static const struct wl_interface *create_pointer_types[] = {&wl_seat_interface, &zwlr_virtual_pointer_v1_interface};
static const struct wl_interface *create_pointer_output_types[] = {&wl_seat_interface, &wl_output_interface, &zwlr_virtual_pointer_v1_interface};
static const struct wl_interface *create_keyboard_types[] = {&wl_seat_interface, &zwp_virtual_keyboard_v1_interface};
static const struct wl_interface *get_xdg_output_types[] = {&zxdg_output_v1_interface, &wl_output_interface};

static const struct wl_message screencopy_manager_requests[] = {
    {"capture_output", "nio", capture_output_types},
    {"capture_output_region", "nioiiii", capture_region_types},
    {"destroy", "", no_types},
};
static const struct wl_interface zwlr_screencopy_manager_v1_interface = {"zwlr_screencopy_manager_v1", 2, 3, screencopy_manager_requests, 0, NULL};

static const struct wl_message screencopy_frame_requests[] = {
    {"copy", "o", buffer_types},
    {"destroy", "", no_types},
    {"copy_with_damage", "2o", buffer_types},
};
static const struct wl_message screencopy_frame_events[] = {
    {"buffer", "uuuu", no_types},
    {"flags", "u", no_types},
    {"ready", "uuu", no_types},
    {"failed", "", no_types},
    {"damage", "2uuuu", no_types},
};
static const struct wl_interface zwlr_screencopy_frame_v1_interface = {"zwlr_screencopy_frame_v1", 2, 3, screencopy_frame_requests, 5, screencopy_frame_events};

static const struct wl_message virtual_pointer_manager_requests[] = {
    {"create_virtual_pointer", "?on", create_pointer_types},
    {"destroy", "", no_types},
    {"create_virtual_pointer_with_output", "2?o?on", create_pointer_output_types},
};
static const struct wl_interface zwlr_virtual_pointer_manager_v1_interface = {"zwlr_virtual_pointer_manager_v1", 2, 3, virtual_pointer_manager_requests, 0, NULL};

static const struct wl_message virtual_pointer_requests[] = {
    {"motion", "uff", no_types},
    {"motion_absolute", "uuuuu", no_types},
    {"button", "uuu", no_types},
    {"axis", "uuf", no_types},
    {"frame", "", no_types},
    {"axis_source", "u", no_types},
    {"axis_stop", "uu", no_types},
    {"axis_discrete", "uufi", no_types},
    {"destroy", "", no_types},
};
static const struct wl_interface zwlr_virtual_pointer_v1_interface = {"zwlr_virtual_pointer_v1", 2, 9, virtual_pointer_requests, 0, NULL};

static const struct wl_message virtual_keyboard_manager_requests[] = {
    {"create_virtual_keyboard", "on", create_keyboard_types},
};
static const struct wl_interface zwp_virtual_keyboard_manager_v1_interface = {"zwp_virtual_keyboard_manager_v1", 1, 1, virtual_keyboard_manager_requests, 0, NULL};

static const struct wl_message virtual_keyboard_requests[] = {
    {"keymap", "uhu", no_types},
    {"key", "uuu", no_types},
    {"modifiers", "uuuu", no_types},
    {"destroy", "", no_types},
};
static const struct wl_interface zwp_virtual_keyboard_v1_interface = {"zwp_virtual_keyboard_v1", 1, 4, virtual_keyboard_requests, 0, NULL};

static const struct wl_message xdg_output_manager_requests[] = {
    {"destroy", "", no_types},
    {"get_xdg_output", "no", get_xdg_output_types},
};
static const struct wl_interface zxdg_output_manager_v1_interface = {"zxdg_output_manager_v1", 3, 2, xdg_output_manager_requests, 0, NULL};

static const struct wl_message xdg_output_requests[] = {
    {"destroy", "", no_types},
};
static const struct wl_message xdg_output_events[] = {
    {"logical_position", "ii", no_types},
    {"logical_size", "ii", no_types},
    {"done", "", no_types},
    {"name", "2s", no_types},
    {"description", "2s", no_types},
};
static const struct wl_interface zxdg_output_v1_interface = {"zxdg_output_v1", 3, 1, xdg_output_requests, 5, xdg_output_events};

/* Request opcodes. */
enum { SCREENCOPY_CAPTURE_OUTPUT = 0 };
enum { FRAME_COPY = 0, FRAME_DESTROY = 1, FRAME_COPY_WITH_DAMAGE = 2 };
enum { VPM_CREATE = 0, VPM_CREATE_WITH_OUTPUT = 2 };
enum { VP_MOTION_ABSOLUTE = 1, VP_BUTTON = 2, VP_AXIS = 3, VP_FRAME = 4, VP_AXIS_SOURCE = 5, VP_AXIS_DISCRETE = 7, VP_DESTROY = 8 };
enum { VKM_CREATE = 0 };
enum { VK_KEYMAP = 0, VK_KEY = 1, VK_MODIFIERS = 2, VK_DESTROY = 3 };
enum { XOM_GET_XDG_OUTPUT = 1 };

/* --- a connection and what the compositor offers on it ---------------------------------------- */

#define MAX_OUTPUTS 16

typedef struct output {
  struct wl_output *proxy;
  struct wl_proxy *xdg;
  uint32_t global;
  char name[64];
  char description[128];
  int32_t x, y, logical_w, logical_h;
  int32_t mode_w, mode_h, refresh_mhz, scale;
} output;

typedef struct conn {
  struct wl_display *display;
  struct wl_registry *registry;
  struct wl_shm *shm;
  struct wl_seat *seat;
  struct wl_proxy *screencopy;
  uint32_t screencopy_version;
  struct wl_proxy *pointer_manager;
  uint32_t pointer_manager_version;
  struct wl_proxy *keyboard_manager;
  struct wl_proxy *xdg_output_manager;
  output outputs[MAX_OUTPUTS];
  int n_outputs;
} conn;

static uint32_t min_u(uint32_t a, uint32_t b) { return a < b ? a : b; }

static void output_geometry(void *data, struct wl_output *o, int32_t x, int32_t y, int32_t pw, int32_t ph, int32_t subpixel, const char *make, const char *model, int32_t transform) {
  (void)o; (void)pw; (void)ph; (void)subpixel; (void)make; (void)model; (void)transform;
  output *out = data;
  out->x = x;
  out->y = y;
}
static void output_mode(void *data, struct wl_output *o, uint32_t flags, int32_t w, int32_t h, int32_t refresh) {
  (void)o;
  output *out = data;
  if (!(flags & WL_OUTPUT_MODE_CURRENT)) return;
  out->mode_w = w;
  out->mode_h = h;
  out->refresh_mhz = refresh;
}
static void output_done(void *data, struct wl_output *o) { (void)data; (void)o; }
static void output_scale(void *data, struct wl_output *o, int32_t factor) {
  (void)o;
  ((output *)data)->scale = factor;
}
static const struct wl_output_listener output_listener = {output_geometry, output_mode, output_done, output_scale};

static void xdg_position(void *data, struct wl_proxy *p, int32_t x, int32_t y) {
  (void)p;
  output *out = data;
  out->x = x;
  out->y = y;
}
static void xdg_size(void *data, struct wl_proxy *p, int32_t w, int32_t h) {
  (void)p;
  output *out = data;
  out->logical_w = w;
  out->logical_h = h;
}
static void xdg_done(void *data, struct wl_proxy *p) { (void)data; (void)p; }
static void xdg_name(void *data, struct wl_proxy *p, const char *name) {
  (void)p;
  snprintf(((output *)data)->name, sizeof(((output *)data)->name), "%s", name);
}
static void xdg_description(void *data, struct wl_proxy *p, const char *text) {
  (void)p;
  snprintf(((output *)data)->description, sizeof(((output *)data)->description), "%s", text);
}
static const struct {
  void (*logical_position)(void *, struct wl_proxy *, int32_t, int32_t);
  void (*logical_size)(void *, struct wl_proxy *, int32_t, int32_t);
  void (*done)(void *, struct wl_proxy *);
  void (*name)(void *, struct wl_proxy *, const char *);
  void (*description)(void *, struct wl_proxy *, const char *);
} xdg_output_listener = {xdg_position, xdg_size, xdg_done, xdg_name, xdg_description};

static void registry_global(void *data, struct wl_registry *registry, uint32_t name, const char *interface, uint32_t version) {
  conn *c = data;
  if (strcmp(interface, wl_output_interface.name) == 0 && c->n_outputs < MAX_OUTPUTS) {
    output *out = &c->outputs[c->n_outputs++];
    memset(out, 0, sizeof(*out));
    out->global = name;
    out->scale = 1;
    out->proxy = wl_registry_bind(registry, name, &wl_output_interface, min_u(version, 2));
    wl_output_add_listener(out->proxy, &output_listener, out);
  } else if (strcmp(interface, wl_shm_interface.name) == 0) {
    c->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
  } else if (strcmp(interface, wl_seat_interface.name) == 0 && !c->seat) {
    c->seat = wl_registry_bind(registry, name, &wl_seat_interface, 1);
  } else if (strcmp(interface, zwlr_screencopy_manager_v1_interface.name) == 0) {
    c->screencopy_version = min_u(version, 2);
    c->screencopy = wl_registry_bind(registry, name, &zwlr_screencopy_manager_v1_interface, c->screencopy_version);
  } else if (strcmp(interface, zwlr_virtual_pointer_manager_v1_interface.name) == 0) {
    c->pointer_manager_version = min_u(version, 2);
    c->pointer_manager = wl_registry_bind(registry, name, &zwlr_virtual_pointer_manager_v1_interface, c->pointer_manager_version);
  } else if (strcmp(interface, zwp_virtual_keyboard_manager_v1_interface.name) == 0) {
    c->keyboard_manager = wl_registry_bind(registry, name, &zwp_virtual_keyboard_manager_v1_interface, 1);
  } else if (strcmp(interface, zxdg_output_manager_v1_interface.name) == 0 && version >= 2) {
    c->xdg_output_manager = wl_registry_bind(registry, name, &zxdg_output_manager_v1_interface, min_u(version, 3));
  }
}
static void registry_remove(void *data, struct wl_registry *registry, uint32_t name) { (void)data; (void)registry; (void)name; }
static const struct wl_registry_listener registry_listener = {registry_global, registry_remove};

static void conn_close(conn *c) {
  if (c->display) wl_display_disconnect(c->display);
  memset(c, 0, sizeof(*c));
}

/* Connects to the compositor's socket (a name in $XDG_RUNTIME_DIR, or a path) and learns its globals and outputs. */
static int conn_open(conn *c, const char *socket, char *error, size_t size) {
  memset(c, 0, sizeof(*c));
  c->display = wl_display_connect(socket[0] ? socket : NULL);
  if (!c->display) {
    snprintf(error, size, "the Wayland compositor is not reachable at %s (%s)", socket[0] ? socket : "$WAYLAND_DISPLAY", strerror(errno));
    return -1;
  }
  c->registry = wl_display_get_registry(c->display);
  wl_registry_add_listener(c->registry, &registry_listener, c);
  if (wl_display_roundtrip(c->display) < 0) goto gone;
  if (c->xdg_output_manager) {
    for (int i = 0; i < c->n_outputs; i++) {
      output *out = &c->outputs[i];
      out->xdg = wl_proxy_marshal_constructor(c->xdg_output_manager, XOM_GET_XDG_OUTPUT, &zxdg_output_v1_interface, NULL, out->proxy);
      wl_proxy_add_listener(out->xdg, (void (**)(void))&xdg_output_listener, out);
    }
  }
  if (wl_display_roundtrip(c->display) < 0) goto gone;
  for (int i = 0; i < c->n_outputs; i++) {
    output *out = &c->outputs[i];
    if (!out->name[0]) snprintf(out->name, sizeof(out->name), "output-%d", i + 1);
    if (!out->logical_w) {
      out->logical_w = out->mode_w / (out->scale > 0 ? out->scale : 1);
      out->logical_h = out->mode_h / (out->scale > 0 ? out->scale : 1);
    }
  }
  return 0;
gone:
  snprintf(error, size, "the Wayland compositor closed the connection (%s)", strerror(wl_display_get_error(c->display)));
  conn_close(c);
  return -1;
}

static output *find_output(conn *c, const char *name) {
  for (int i = 0; i < c->n_outputs; i++) {
    if (strcmp(c->outputs[i].name, name) == 0) return &c->outputs[i];
  }
  return NULL;
}


/*
 * wlrOutputs(socket) -> { outputs: [{ name, description, width, height, refreshMhz, x, y,
 * logicalWidth, logicalHeight, scale }], screencopy, virtualPointer, virtualKeyboard }
 * Throws when the compositor cannot be reached.
 */
napi_value wlr_outputs(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char socket[512] = "";
  if (argc >= 1) {
    size_t len = 0;
    napi_get_value_string_utf8(env, argv[0], socket, sizeof(socket), &len);
  }
  conn c;
  char error[256];
  if (conn_open(&c, socket, error, sizeof(error)) < 0) THROW(env, error);
  napi_value result, list;
  napi_create_object(env, &result);
  napi_create_array_with_length(env, c.n_outputs, &list);
  for (int i = 0; i < c.n_outputs; i++) {
    output *out = &c.outputs[i];
    napi_value o;
    napi_create_object(env, &o);
    set_string(env, o, "name", out->name);
    set_string(env, o, "description", out->description);
    set_int(env, o, "width", out->mode_w);
    set_int(env, o, "height", out->mode_h);
    set_int(env, o, "refreshMhz", out->refresh_mhz);
    set_int(env, o, "x", out->x);
    set_int(env, o, "y", out->y);
    set_int(env, o, "logicalWidth", out->logical_w);
    set_int(env, o, "logicalHeight", out->logical_h);
    set_int(env, o, "scale", out->scale);
    napi_set_element(env, list, i, o);
  }
  napi_set_named_property(env, result, "outputs", list);
  set_bool(env, result, "screencopy", c.screencopy != NULL && c.shm != NULL);
  set_bool(env, result, "virtualPointer", c.pointer_manager != NULL);
  set_bool(env, result, "virtualKeyboard", c.keyboard_manager != NULL && c.seat != NULL);
  conn_close(&c);
  return result;
}

/* --- capture ------------------------------------------------------------------------------------ */

enum { EV_FORMAT, EV_FRAME, EV_ERROR };

typedef struct wcapture {
  /* The frame slots (shared with JavaScript's thread, under their lock), the event channel, the owners: first. */
  capture_core life;
  conn c;
  output *out;
  int overlay_cursor;
  int64_t interval_ns;
  int wake; /* an eventfd: stop() wakes the thread with it */
  pthread_t thread;
  int thread_started;
  /*
   * One shared-memory buffer per slot. Where the runtime allows (zero_copy), JavaScript's Buffers are
   * these very mappings: the compositor copies the output straight into what goes to the encoders, and
   * the mappings belong to those Buffers. Otherwise JavaScript has Buffers of its own, the frame is
   * copied into them once, and the mappings stay this thread's.
   */
  int zero_copy;
  /* Only the capture thread: */
  struct wl_proxy *frame;
  struct wl_buffer *buffers[FRAME_SLOTS];
  uint8_t *maps[FRAME_SLOTS];
  size_t map_size;
  uint32_t buf_format, buf_w, buf_h, buf_stride, flags;
  int frame_state; /* 0 waiting for the buffer event, 1 copying, 2 ready, 3 failed */
  uint64_t pts_ns;
  int failures;
} wcapture;

typedef struct wevent {
  int type;
  int index;
  uint32_t generation;
  int width, height;
  int64_t pts_ns;
  char text[256];
  /* A new format's mappings, for JavaScript's Buffers (zero copy). */
  uint8_t *maps[FRAME_SLOTS];
  size_t map_size;
} wevent;

/* ffmpeg's name for a wl_shm format (little-endian words: ARGB8888 is B, G, R, A in memory). */
static const char *shm_format_name(uint32_t format) {
  switch (format) {
    case WL_SHM_FORMAT_ARGB8888: return "bgra";
    case WL_SHM_FORMAT_XRGB8888: return "bgr0";
    case WL_SHM_FORMAT_ABGR8888: return "rgba";
    case WL_SHM_FORMAT_XBGR8888: return "rgb0";
    default: return NULL;
  }
}

static void wpost(wcapture *cap, int type, const char *text) {
  wevent *ev = calloc(1, sizeof(wevent));
  if (!ev) return;
  ev->type = type;
  if (text) snprintf(ev->text, sizeof(ev->text), "%s", text);
  if (napi_call_threadsafe_function(cap->life.tsfn, ev, napi_tsfn_nonblocking) != napi_ok) free(ev);
}

static void frame_buffer(void *data, struct wl_proxy *f, uint32_t format, uint32_t w, uint32_t h, uint32_t stride) {
  (void)f;
  wcapture *cap = data;
  cap->buf_format = format;
  cap->buf_w = w;
  cap->buf_h = h;
  cap->buf_stride = stride;
}
static void frame_flags(void *data, struct wl_proxy *f, uint32_t flags) {
  (void)f;
  ((wcapture *)data)->flags = flags;
}
static void frame_ready(void *data, struct wl_proxy *f, uint32_t sec_hi, uint32_t sec_lo, uint32_t nsec) {
  (void)f;
  wcapture *cap = data;
  cap->pts_ns = (((uint64_t)sec_hi << 32) | sec_lo) * 1000000000ULL + nsec;
  cap->frame_state = 2;
}
static void frame_failed(void *data, struct wl_proxy *f) {
  (void)f;
  ((wcapture *)data)->frame_state = 3;
}
static void frame_damage(void *data, struct wl_proxy *f, uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
  (void)data; (void)f; (void)x; (void)y; (void)w; (void)h;
}
static const struct {
  void (*buffer)(void *, struct wl_proxy *, uint32_t, uint32_t, uint32_t, uint32_t);
  void (*flags)(void *, struct wl_proxy *, uint32_t);
  void (*ready)(void *, struct wl_proxy *, uint32_t, uint32_t, uint32_t);
  void (*failed)(void *, struct wl_proxy *);
  void (*damage)(void *, struct wl_proxy *, uint32_t, uint32_t, uint32_t, uint32_t);
} frame_listener = {frame_buffer, frame_flags, frame_ready, frame_failed, frame_damage};

/* The wl_buffers go; the mappings too where they are this thread's (not handed to JavaScript's Buffers). */
static void drop_shm_buffers(wcapture *cap) {
  for (int i = 0; i < FRAME_SLOTS; i++) {
    if (cap->buffers[i]) wl_buffer_destroy(cap->buffers[i]);
    cap->buffers[i] = NULL;
    if (cap->maps[i] && !cap->zero_copy) munmap(cap->maps[i], cap->map_size);
    cap->maps[i] = NULL;
  }
  cap->map_size = 0;
}

/* The shared-memory buffers the compositor copies into, of the size and format it asked, one per slot. */
static int make_shm_buffers(wcapture *cap, char *error, size_t size) {
  drop_shm_buffers(cap);
  size_t bytes = (size_t)cap->buf_stride * cap->buf_h;
  for (int i = 0; i < FRAME_SLOTS; i++) {
    int fd = memfd_create("streams-screencopy", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0) {
      snprintf(error, size, "screencopy: no shared memory for a frame (%s)", strerror(errno));
      if (fd >= 0) close(fd);
      return -1;
    }
    uint8_t *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
      close(fd);
      snprintf(error, size, "screencopy: could not map a frame (%s)", strerror(errno));
      return -1;
    }
    cap->maps[i] = map;
    cap->map_size = bytes;
    struct wl_shm_pool *pool = wl_shm_create_pool(cap->c.shm, fd, (int32_t)bytes);
    cap->buffers[i] = wl_shm_pool_create_buffer(pool, 0, (int32_t)cap->buf_w, (int32_t)cap->buf_h, (int32_t)cap->buf_stride, cap->buf_format);
    wl_shm_pool_destroy(pool);
    close(fd);
  }
  return 0;
}

/*
 * Dispatches the connection's events, waiting up to `timeout_ms` for some; -1 when the connection is
 * gone, 1 when stop() woke the thread, 0 otherwise.
 */
static int pump_events(wcapture *cap, int timeout_ms) {
  struct wl_display *d = cap->c.display;
  while (wl_display_prepare_read(d) != 0) {
    if (wl_display_dispatch_pending(d) < 0) return -1;
  }
  if (wl_display_flush(d) < 0 && errno != EAGAIN) {
    wl_display_cancel_read(d);
    return -1;
  }
  struct pollfd fds[2] = {{wl_display_get_fd(d), POLLIN, 0}, {cap->wake, POLLIN, 0}};
  int n = poll(fds, 2, timeout_ms);
  if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
    if (wl_display_read_events(d) < 0) return -1;
  } else {
    wl_display_cancel_read(d);
  }
  if (wl_display_dispatch_pending(d) < 0) return -1;
  if (fds[1].revents & POLLIN) return 1;
  return 0;
}

/*
 * The frame the compositor copied into the slot's shared memory, made what the encoders read (rows
 * without padding, top first) in JavaScript's Buffer of that slot: in place where that Buffer is the
 * mapping, by one copy otherwise.
 */
static void finish_frame(wcapture *cap, int slot) {
  frame_slots *sl = &cap->life.slots;
  size_t row = (size_t)cap->buf_w * 4, stride = cap->buf_stride;
  uint8_t *src = cap->maps[slot], *dst = sl->data[slot];
  int invert = cap->flags & 1;
  if (dst != src) {
    for (uint32_t y = 0; y < cap->buf_h; y++) memcpy(dst + (size_t)y * row, src + (size_t)(invert ? cap->buf_h - 1 - y : y) * stride, row);
    return;
  }
  if (stride != row) {
    for (uint32_t y = 1; y < cap->buf_h; y++) memmove(dst + (size_t)y * row, src + (size_t)y * stride, row);
  }
  if (invert) {
    uint8_t *tmp = malloc(row);
    if (!tmp) return;
    for (uint32_t y = 0; y < cap->buf_h / 2; y++) {
      uint8_t *a = dst + (size_t)y * row, *b = dst + (size_t)(cap->buf_h - 1 - y) * row;
      memcpy(tmp, a, row);
      memcpy(a, b, row);
      memcpy(b, tmp, row);
    }
    free(tmp);
  }
}

static void post_frame(wcapture *cap, int slot, uint32_t generation) {
  wevent *ev = calloc(1, sizeof(wevent));
  if (!ev) return;
  ev->type = EV_FRAME;
  ev->index = slot;
  ev->generation = generation;
  ev->pts_ns = (int64_t)cap->pts_ns;
  if (napi_call_threadsafe_function(cap->life.tsfn, ev, napi_tsfn_nonblocking) != napi_ok) free(ev);
}

static void *capture_thread(void *data) {
  wcapture *cap = data;
  char error[256] = "";
  uint32_t known_w = 0, known_h = 0, known_format = 0, known_stride = 0;
  int64_t last_request = 0;
  /* A whole copy (not waiting for damage) until a frame has reached JavaScript at this size: a still screen shows too. */
  int need_full = 1;
  while (!cap->life.stopped) {
    /* One frame at the asked rate at most: wait out the rest of the interval. */
    int64_t wait_ns = last_request + cap->interval_ns - monotonic_ns();
    if (last_request && wait_ns > 0) {
      int r = pump_events(cap, (int)(wait_ns / 1000000) + 1);
      if (r < 0) break;
      if (r > 0) continue;
      if (monotonic_ns() < last_request + cap->interval_ns) continue;
    }
    last_request = monotonic_ns();
    cap->frame_state = 0;
    cap->buf_w = 0;
    cap->flags = 0;
    cap->frame = wl_proxy_marshal_constructor(cap->c.screencopy, SCREENCOPY_CAPTURE_OUTPUT, &zwlr_screencopy_frame_v1_interface, NULL, cap->overlay_cursor, cap->out->proxy);
    wl_proxy_add_listener(cap->frame, (void (**)(void))&frame_listener, cap);
    int r = 0;
    /* The buffer event comes at once (version 2 sends one, for shared memory). */
    while (!cap->life.stopped && cap->buf_w == 0 && cap->frame_state != 3 && (r = pump_events(cap, 1000)) == 0) {}
    if (r < 0) break;
    if (cap->life.stopped || r > 0) goto next;
    if (cap->frame_state == 3 || cap->buf_w == 0) goto failed;
    if (cap->buf_w != known_w || cap->buf_h != known_h || cap->buf_format != known_format || cap->buf_stride != known_stride) {
      const char *name = shm_format_name(cap->buf_format);
      if (!name) {
        snprintf(error, sizeof(error), "screencopy offers frames in a pixel format the host does not read (wl_shm format 0x%x)", cap->buf_format);
        break;
      }
      if (make_shm_buffers(cap, error, sizeof(error)) < 0) break;
      known_w = cap->buf_w;
      known_h = cap->buf_h;
      known_format = cap->buf_format;
      known_stride = cap->buf_stride;
      slots_invalidate(&cap->life.slots);
      need_full = 1;
      wevent *ev = calloc(1, sizeof(wevent));
      if (ev) {
        ev->type = EV_FORMAT;
        ev->width = (int)known_w;
        ev->height = (int)known_h;
        snprintf(ev->text, sizeof(ev->text), "%s", name);
        if (cap->zero_copy) {
          memcpy(ev->maps, cap->maps, sizeof(ev->maps));
          ev->map_size = cap->map_size;
        }
        if (napi_call_threadsafe_function(cap->life.tsfn, ev, napi_tsfn_nonblocking) != napi_ok) {
          for (int i = 0; i < FRAME_SLOTS && cap->zero_copy; i++) munmap(ev->maps[i], ev->map_size);
          free(ev);
        }
      }
    }
    /* A slot JavaScript does not hold; none while its Buffers of this size are not made yet. */
    int slot = slots_reserve(&cap->life.slots);
    if (slot < 0 || cap->life.slots.width != (int)cap->buf_w || cap->life.slots.height != (int)cap->buf_h) {
      if (slot >= 0) slots_unreserve(&cap->life.slots, slot);
      need_full = 1;
      goto next;
    }
    cap->frame_state = 1;
    /* With damage: the compositor answers when the output changed (the pump repeats the newest meanwhile). */
    wl_proxy_marshal(cap->frame, cap->c.screencopy_version >= 2 && !need_full ? FRAME_COPY_WITH_DAMAGE : FRAME_COPY, cap->buffers[slot]);
    while (!cap->life.stopped && cap->frame_state == 1 && (r = pump_events(cap, 1000)) == 0) {}
    if (cap->frame_state == 2 && r >= 0) {
      cap->failures = 0;
      need_full = 0;
      finish_frame(cap, slot);
      post_frame(cap, slot, slots_publish(&cap->life.slots, slot));
      goto next;
    }
    slots_unreserve(&cap->life.slots, slot);
    if (r < 0) break;
    if (cap->frame_state != 3) goto next;
  failed:
    if (++cap->failures >= 30) {
      snprintf(error, sizeof(error), "the compositor failed %d screen copies in a row", cap->failures);
      break;
    }
  next:
    wl_proxy_marshal(cap->frame, FRAME_DESTROY);
    wl_proxy_destroy(cap->frame);
    cap->frame = NULL;
  }
  if (cap->frame) {
    wl_proxy_destroy(cap->frame);
    cap->frame = NULL;
  }
  if (!cap->life.stopped) {
    if (!error[0]) {
      int code = wl_display_get_error(cap->c.display);
      snprintf(error, sizeof(error), "the Wayland compositor went away (%s)", code ? strerror(code) : "connection closed");
    }
    wpost(cap, EV_ERROR, error);
  }
  return NULL;
}

static void wcall_js(napi_env env, napi_value callback, void *context, void *data) {
  wcapture *cap = context;
  wevent *ev = data;
  if (env == NULL || cap->life.stopped) {
    /* Mappings meant for Buffers that will not be made. */
    for (int i = 0; i < FRAME_SLOTS && ev->type == EV_FORMAT && cap->zero_copy; i++) munmap(ev->maps[i], ev->map_size);
    free(ev);
    return;
  }
  napi_value obj, undefined;
  napi_create_object(env, &obj);
  napi_get_undefined(env, &undefined);
  switch (ev->type) {
    case EV_FORMAT:
      set_string(env, obj, "type", "format");
      set_int(env, obj, "width", ev->width);
      set_int(env, obj, "height", ev->height);
      set_string(env, obj, "pixelFormat", ev->text);
      napi_set_named_property(env, obj, "buffers",
          cap->zero_copy ? slots_adopt_mappings(env, &cap->life.slots, ev->width, ev->height, ev->maps, ev->map_size) : slots_make_buffers(env, &cap->life.slots, ev->width, ev->height));
      set_int(env, obj, "generation", (int64_t)cap->life.slots.generation);
      break;
    case EV_FRAME:
      set_string(env, obj, "type", "frame");
      set_int(env, obj, "index", ev->index);
      set_int(env, obj, "generation", ev->generation);
      set_double(env, obj, "ptsNs", (double)ev->pts_ns);
      break;
    default:
      set_string(env, obj, "type", "error");
      set_string(env, obj, "message", ev->text);
      break;
  }
  free(ev);
  napi_call_function(env, undefined, callback, 1, &obj, NULL);
}

/* Stops the thread and closes the connection (JavaScript's thread; `stopped` is set). */
static void wteardown(capture_core *core) {
  wcapture *cap = (wcapture *)core;
  if (cap->thread_started) {
    uint64_t one = 1;
    if (write(cap->wake, &one, sizeof(one)) < 0) { /* the thread sees `stopped` within a second anyway */ }
    pthread_join(cap->thread, NULL);
    cap->thread_started = 0;
  }
  drop_shm_buffers(cap);
  conn_close(&cap->c);
  if (cap->wake >= 0) close(cap->wake);
  cap->wake = -1;
}

/*
 * openWlrCapture({ socket, output, fps, cursor }, onEvent) -> { release, repeat, stats, stop }
 * Events as openCapture's: format, frame, error. `cursor`: the pointer drawn into the picture.
 */
napi_value open_wlr_capture(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2) THROW(env, "openWlrCapture(options, onEvent)");
  char socket[512], name[64], error[256];
  get_string_prop(env, argv[0], "socket", socket, sizeof(socket));
  get_string_prop(env, argv[0], "output", name, sizeof(name));
  uint32_t fps = get_uint_prop(env, argv[0], "fps", 30);
  int64_t cursor = get_int_prop(env, argv[0], "cursor", 0);
  wcapture *cap = calloc(1, sizeof(wcapture));
  if (!cap) THROW(env, "out of memory");
  cap->wake = -1;
  if (conn_open(&cap->c, socket, error, sizeof(error)) < 0) {
    free(cap);
    THROW(env, error);
  }
  cap->out = find_output(&cap->c, name);
  if (!cap->c.screencopy || !cap->c.shm) snprintf(error, sizeof(error), "this Wayland compositor does not offer wlr-screencopy");
  else if (!cap->out) snprintf(error, sizeof(error), "the Wayland compositor has no output %s", name);
  else error[0] = 0;
  if (error[0]) {
    conn_close(&cap->c);
    free(cap);
    THROW(env, error);
  }
  core_init(&cap->life, wteardown);
  cap->zero_copy = slots_can_adopt(env) && !get_int_prop(env, argv[0], "copy", 0);
  cap->overlay_cursor = cursor ? 1 : 0;
  cap->interval_ns = fps > 0 ? 1000000000LL / fps : 0;
  cap->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (!core_open_channel(env, &cap->life, argv[1], "wlr-capture", wcall_js)) {
    close(cap->wake);
    conn_close(&cap->c);
    free(cap);
    THROW(env, "openWlrCapture: could not make the event channel");
  }
  if (pthread_create(&cap->thread, NULL, capture_thread, cap) != 0) {
    core_stop(&cap->life);
    THROW(env, "openWlrCapture: could not start its thread");
  }
  cap->thread_started = 1;
  pthread_setname_np(cap->thread, "streams-wlr");
  return core_handle(env, &cap->life);
}

/* --- input -------------------------------------------------------------------------------------- */

#define KEY_LEFTSHIFT 42

typedef struct winput {
  conn c;
  output *out;
  struct wl_proxy *pointer;
  struct wl_proxy *keyboard;
  struct xkb_context *xkb;
  struct xkb_keymap *keymap;
  /* The keyboard's modifiers as its keys left them: the compositor is told after each key (wlroots does not derive them). */
  struct xkb_state *state;
  int mapped; /* the pointer is tied to the output (version 2): coordinates are the output's */
  int closed;
} winput;

static uint32_t now_ms(void) { return (uint32_t)(monotonic_ns() / 1000000); }

static void winput_close(winput *in) {
  if (in->closed) return;
  in->closed = 1;
  if (in->pointer) {
    wl_proxy_marshal(in->pointer, VP_DESTROY);
    wl_proxy_destroy(in->pointer);
  }
  if (in->keyboard) {
    wl_proxy_marshal(in->keyboard, VK_DESTROY);
    wl_proxy_destroy(in->keyboard);
  }
  in->pointer = NULL;
  in->keyboard = NULL;
  in->out = NULL;
  if (in->c.display) wl_display_flush(in->c.display);
  conn_close(&in->c);
  if (in->state) xkb_state_unref(in->state);
  in->state = NULL;
  if (in->keymap) xkb_keymap_unref(in->keymap);
  if (in->xkb) xkb_context_unref(in->xkb);
  in->keymap = NULL;
  in->xkb = NULL;
}

/* Sends what was asked and reads what came meanwhile (nothing waits); throws when the compositor is gone. */
static int winput_flush(napi_env env, winput *in) {
  struct wl_display *d = in->c.display;
  if (in->closed || !d) {
    napi_throw_error(env, "CAPTURE_FAILED", "the Wayland input is closed");
    return -1;
  }
  if (wl_display_flush(d) < 0 && errno != EAGAIN) goto gone;
  if (wl_display_prepare_read(d) == 0) {
    struct pollfd pfd = {wl_display_get_fd(d), POLLIN, 0};
    if (poll(&pfd, 1, 0) > 0) {
      if (wl_display_read_events(d) < 0) goto gone;
    } else {
      wl_display_cancel_read(d);
    }
  }
  if (wl_display_dispatch_pending(d) < 0) goto gone;
  return 0;
gone:
  napi_throw_error(env, "CAPTURE_FAILED", "the Wayland compositor went away");
  return -1;
}

/* The input a method is called on; NULL (with a CAPTURE_FAILED thrown) once it is closed. */
static winput *this_input(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  void *data = NULL;
  napi_get_cb_info(env, info, argc, argv, NULL, &data);
  winput *in = data;
  if (in->closed) {
    napi_throw_error(env, "CAPTURE_FAILED", "the Wayland input is closed");
    return NULL;
  }
  return in;
}

static double arg_number(napi_env env, napi_value v) {
  double out = 0;
  napi_get_value_double(env, v, &out);
  return out;
}

static bool arg_bool(napi_env env, napi_value v) {
  bool out = false;
  napi_get_value_bool(env, v, &out);
  return out;
}

/* move(x, y): the pointer to (x, y) in the output's pixels. */
static napi_value win_move(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  winput *in = this_input(env, info, &argc, argv);
  if (!in || argc < 2 || !in->pointer) return NULL;
  double x = arg_number(env, argv[0]), y = arg_number(env, argv[1]);
  output *o = in->out;
  int32_t w = o->mode_w > 0 ? o->mode_w : 1, h = o->mode_h > 0 ? o->mode_h : 1;
  if (x < 0) x = 0;
  if (y < 0) y = 0;
  if (x > w - 1) x = w - 1;
  if (y > h - 1) y = h - 1;
  if (in->mapped) {
    wl_proxy_marshal(in->pointer, VP_MOTION_ABSOLUTE, now_ms(), (uint32_t)x, (uint32_t)y, (uint32_t)w, (uint32_t)h);
  } else {
    /* Not tied to an output: the whole layout is the extent, in logical coordinates. */
    int32_t max_x = 1, max_y = 1;
    for (int i = 0; i < in->c.n_outputs; i++) {
      output *p = &in->c.outputs[i];
      if (p->x + p->logical_w > max_x) max_x = p->x + p->logical_w;
      if (p->y + p->logical_h > max_y) max_y = p->y + p->logical_h;
    }
    uint32_t lx = (uint32_t)(o->x + x * o->logical_w / w), ly = (uint32_t)(o->y + y * o->logical_h / h);
    wl_proxy_marshal(in->pointer, VP_MOTION_ABSOLUTE, now_ms(), lx, ly, (uint32_t)max_x, (uint32_t)max_y);
  }
  wl_proxy_marshal(in->pointer, VP_FRAME);
  winput_flush(env, in);
  return NULL;
}

/* button(code, down): an evdev button code (BTN_LEFT 0x110...). */
static napi_value win_button(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  winput *in = this_input(env, info, &argc, argv);
  if (!in || argc < 2 || !in->pointer) return NULL;
  wl_proxy_marshal(in->pointer, VP_BUTTON, now_ms(), (uint32_t)arg_number(env, argv[0]), arg_bool(env, argv[1]) ? 1u : 0u);
  wl_proxy_marshal(in->pointer, VP_FRAME);
  winput_flush(env, in);
  return NULL;
}

/* scroll(axis, steps): wheel clicks, 0 vertical (down positive), 1 horizontal (right positive). */
static napi_value win_scroll(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  winput *in = this_input(env, info, &argc, argv);
  if (!in || argc < 2 || !in->pointer) return NULL;
  uint32_t axis = (uint32_t)arg_number(env, argv[0]);
  int32_t steps = (int32_t)arg_number(env, argv[1]);
  if (steps == 0) return NULL;
  wl_proxy_marshal(in->pointer, VP_AXIS_SOURCE, 0u /* wheel */);
  wl_proxy_marshal(in->pointer, VP_AXIS_DISCRETE, now_ms(), axis, wl_fixed_from_int(15 * steps), steps);
  wl_proxy_marshal(in->pointer, VP_FRAME);
  winput_flush(env, in);
  return NULL;
}

static void send_key(winput *in, uint32_t code, bool down) {
  wl_proxy_marshal(in->keyboard, VK_KEY, now_ms(), code, down ? 1u : 0u);
  if (!in->state) return;
  enum xkb_state_component changed = xkb_state_update_key(in->state, code + 8, down ? XKB_KEY_DOWN : XKB_KEY_UP);
  if (!(changed & (XKB_STATE_MODS_EFFECTIVE | XKB_STATE_LAYOUT_EFFECTIVE))) return;
  wl_proxy_marshal(in->keyboard, VK_MODIFIERS,
      xkb_state_serialize_mods(in->state, XKB_STATE_MODS_DEPRESSED), xkb_state_serialize_mods(in->state, XKB_STATE_MODS_LATCHED),
      xkb_state_serialize_mods(in->state, XKB_STATE_MODS_LOCKED), xkb_state_serialize_layout(in->state, XKB_STATE_LAYOUT_EFFECTIVE));
}

/* keycode(code, down): a key by position (evdev code); the keymap makes the symbol. */
static napi_value win_keycode(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  winput *in = this_input(env, info, &argc, argv);
  if (!in || argc < 2 || !in->keyboard) return NULL;
  send_key(in, (uint32_t)arg_number(env, argv[0]), arg_bool(env, argv[1]));
  winput_flush(env, in);
  return NULL;
}

/* The key and shift level of the keymap's first layout that type `sym`; 0 when none does. */
static xkb_keycode_t key_of_sym(winput *in, xkb_keysym_t sym, xkb_level_index_t *level) {
  xkb_keycode_t min = xkb_keymap_min_keycode(in->keymap), max = xkb_keymap_max_keycode(in->keymap);
  for (xkb_level_index_t l = 0; l < 2; l++) {
    for (xkb_keycode_t k = min; k <= max; k++) {
      if (l >= xkb_keymap_num_levels_for_key(in->keymap, k, 0)) continue;
      const xkb_keysym_t *syms;
      int n = xkb_keymap_key_get_syms_by_level(in->keymap, k, 0, l, &syms);
      if (n == 1 && syms[0] == sym) {
        *level = l;
        return k;
      }
    }
  }
  return 0;
}

/* keysym(sym, down): typed text by X keysym, where the keymap has it (with Shift for the second level). */
static napi_value win_keysym(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  winput *in = this_input(env, info, &argc, argv);
  if (!in || argc < 2 || !in->keyboard) return NULL;
  xkb_keysym_t sym = (xkb_keysym_t)arg_number(env, argv[0]);
  bool down = arg_bool(env, argv[1]);
  xkb_level_index_t level = 0;
  xkb_keycode_t key = key_of_sym(in, sym, &level);
  if (!key) {
    char text[128];
    snprintf(text, sizeof(text), "the keyboard layout has no key for keysym 0x%x", sym);
    napi_throw_error(env, "KEY_UNAVAILABLE", text);
    return NULL;
  }
  uint32_t code = key - 8; /* xkb keycodes are evdev codes + 8 */
  if (down) {
    if (level == 1) send_key(in, KEY_LEFTSHIFT, true);
    send_key(in, code, true);
  } else {
    send_key(in, code, false);
    if (level == 1) send_key(in, KEY_LEFTSHIFT, false);
  }
  winput_flush(env, in);
  return NULL;
}

static napi_value win_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, NULL, NULL, &data);
  winput_close(data);
  return NULL;
}

static void win_finalize(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  winput_close(data);
  free(data);
}

/* The keyboard's keymap: a US layout compiled by xkbcommon, handed over in shared memory. */
static int send_keymap(winput *in, char *error, size_t size) {
  in->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
  struct xkb_rule_names names = {"evdev", "pc105", "us", "", ""};
  in->keymap = in->xkb ? xkb_keymap_new_from_names(in->xkb, &names, XKB_KEYMAP_COMPILE_NO_FLAGS) : NULL;
  char *text = in->keymap ? xkb_keymap_get_as_string(in->keymap, XKB_KEYMAP_FORMAT_TEXT_V1) : NULL;
  if (!text) {
    snprintf(error, size, "xkbcommon could not compile a US keymap (is xkb-data installed?)");
    return -1;
  }
  size_t len = strlen(text) + 1;
  int fd = memfd_create("streams-keymap", MFD_CLOEXEC);
  if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
    free(text);
    if (fd >= 0) close(fd);
    snprintf(error, size, "no shared memory for the keymap (%s)", strerror(errno));
    return -1;
  }
  free(text);
  in->state = xkb_state_new(in->keymap);
  wl_proxy_marshal(in->keyboard, VK_KEYMAP, 1u /* xkb_v1 */, fd, (uint32_t)len);
  wl_display_roundtrip(in->c.display);
  close(fd);
  return 0;
}

/*
 * openWlrInput({ socket, output }) -> { move, button, scroll, keycode, keysym, close }
 * Throws when the compositor is unreachable or offers neither a virtual pointer nor a keyboard.
 */
napi_value open_wlr_input(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1) THROW(env, "openWlrInput(options)");
  char socket[512], name[64], error[256] = "";
  get_string_prop(env, argv[0], "socket", socket, sizeof(socket));
  get_string_prop(env, argv[0], "output", name, sizeof(name));
  winput *in = calloc(1, sizeof(winput));
  if (!in) THROW(env, "out of memory");
  if (conn_open(&in->c, socket, error, sizeof(error)) < 0) {
    free(in);
    THROW(env, error);
  }
  in->out = find_output(&in->c, name);
  if (!in->out) snprintf(error, sizeof(error), "the Wayland compositor has no output %s", name);
  else if (!in->c.pointer_manager && !in->c.keyboard_manager) snprintf(error, sizeof(error), "this Wayland compositor offers no virtual pointer or keyboard (wlroots protocols)");
  if (!error[0] && in->c.pointer_manager) {
    if (in->c.pointer_manager_version >= 2) {
      in->pointer = wl_proxy_marshal_constructor(in->c.pointer_manager, VPM_CREATE_WITH_OUTPUT, &zwlr_virtual_pointer_v1_interface, in->c.seat, in->out->proxy, NULL);
      in->mapped = 1;
    } else {
      in->pointer = wl_proxy_marshal_constructor(in->c.pointer_manager, VPM_CREATE, &zwlr_virtual_pointer_v1_interface, in->c.seat, NULL);
    }
  }
  if (!error[0] && in->c.keyboard_manager && in->c.seat) {
    in->keyboard = wl_proxy_marshal_constructor(in->c.keyboard_manager, VKM_CREATE, &zwp_virtual_keyboard_v1_interface, in->c.seat, NULL);
    if (send_keymap(in, error, sizeof(error)) < 0) {
      /* No keyboard then; the pointer still works. */
      wl_proxy_marshal(in->keyboard, VK_DESTROY);
      wl_proxy_destroy(in->keyboard);
      in->keyboard = NULL;
      error[0] = 0;
    }
  }
  if (!error[0] && wl_display_roundtrip(in->c.display) < 0) snprintf(error, sizeof(error), "the Wayland compositor refused the virtual input (%s)", strerror(wl_display_get_error(in->c.display)));
  if (error[0]) {
    winput_close(in);
    free(in);
    THROW(env, error);
  }
  napi_value handle, fn;
  napi_create_object(env, &handle);
  napi_add_finalizer(env, handle, in, win_finalize, NULL, NULL);
  struct { const char *name; napi_callback cb; } methods[] = {
      {"move", win_move}, {"button", win_button}, {"scroll", win_scroll}, {"keycode", win_keycode}, {"keysym", win_keysym}, {"close", win_close},
  };
  for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
    napi_create_function(env, methods[i].name, NAPI_AUTO_LENGTH, methods[i].cb, in, &fn);
    napi_set_named_property(env, handle, methods[i].name, fn);
  }
  set_bool(env, handle, "pointer", in->pointer != NULL);
  set_bool(env, handle, "keyboard", in->keyboard != NULL);
  return handle;
}
