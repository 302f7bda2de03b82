/*
 * The frame buffers a capture shares with JavaScript, and the life of a capture around them (below), whatever reads the screen (PipeWire, wlroots'
 * screencopy): four JS Buffers made when the picture's size is known; the capture's thread copies
 * each frame, without the stride's padding, into a free one that is not the newest, and tells
 * JavaScript which one; JavaScript writes it to the encoders and hands it back (release). A buffer
 * handed to JavaScript is never written; the newest complete frame is never overwritten, so it can be
 * sent again while the screen does not change (repeat). Copies happen under the lock, so JavaScript
 * cannot replace the buffers (a new size) under a copy.
 */
#ifndef STREAMS_FRAME_SLOTS_H
#define STREAMS_FRAME_SLOTS_H
#include <pthread.h>
#include <stddef.h>
#include "common.h"

#define FRAME_SLOTS 4

typedef struct frame_slots {
  pthread_mutex_t lock;
  uint8_t *data[FRAME_SLOTS];
  napi_ref refs[FRAME_SLOTS];
  int state[FRAME_SLOTS];
  int last; /* the newest complete frame, or -1 */
  uint32_t generation; /* bumped when the buffers change (a new size) */
  int width, height, bpp;
  size_t frame_size; /* 0 while there are no buffers of the current size */
  uint64_t delivered, skipped, busy, repeated;
} frame_slots;

void slots_init(frame_slots *s);
/* Deletes the references to the buffers (the JavaScript side is gone or going). */
void slots_destroy(napi_env env, frame_slots *s);
/* A new size is coming: frames are dropped until JavaScript has made its buffers. */
void slots_invalidate(frame_slots *s);
/* Makes the buffers of a new size (JavaScript's thread), as a JS array. */
napi_value slots_make_buffers(napi_env env, frame_slots *s, int width, int height);
/*
 * A free buffer to copy the next frame into, with the lock held (then slots_end), or NULL with the
 * lock released when every buffer is busy or none is made yet (counted as busy).
 */
uint8_t *slots_begin(frame_slots *s, int *slot);
/* The frame in `slot` is complete: it becomes the newest, handed to JavaScript. Releases the lock; returns the generation. */
uint32_t slots_end(frame_slots *s, int slot);
/* Whether this runtime allows Buffers over outside memory (Electron's V8 sandbox does not). */
bool slots_can_adopt(napi_env env);
/*
 * Buffers JavaScript sees over memory the capture already has (a compositor's shared memory, mapped
 * here): no copy. Each mapping of `map_size` bytes belongs to its Buffer from now on, unmapped when it
 * is collected. Only where slots_can_adopt said yes.
 */
napi_value slots_adopt_mappings(napi_env env, frame_slots *s, int width, int height, uint8_t *maps[FRAME_SLOTS], size_t map_size);
/* A slot to fill outside the lock (a compositor writes it): -1 (counted as busy) when none is free. */
int slots_reserve(frame_slots *s);
/* The reserved slot is complete (slots_end's work) or given up (FREE again). */
uint32_t slots_publish(frame_slots *s, int slot);
void slots_unreserve(frame_slots *s, int slot);
/*
 * What every capture shares about its life: its frame slots, its event channel to JavaScript, and two
 * owners (the channel and the handle JavaScript holds), the last of which frees it. A capture's struct
 * has this first (it is freed through it); `teardown` stops the capture's thread and closes its
 * connection, once.
 */
typedef struct capture_core {
  frame_slots slots;
  napi_threadsafe_function tsfn;
  volatile int stopped;
  int owners;
  void (*teardown)(struct capture_core *core);
} capture_core;

void core_init(capture_core *c, void (*teardown)(capture_core *core));
/* The event channel to `callback` (the first owner); false when it cannot be made (then free the capture). */
bool core_open_channel(napi_env env, capture_core *c, napi_value callback, const char *name, napi_threadsafe_function_call_js call_js);
/* Stops the capture once and closes its channel (the channel's owner goes with it). */
void core_stop(capture_core *c);
/* The handle JavaScript holds (the second owner): release, repeat, stats, stop; collected, it stops the capture. */
napi_value core_handle(napi_env env, capture_core *c);

#endif
