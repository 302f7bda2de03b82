/* The frame buffers a capture shares with JavaScript: see frame-slots.h. */
#include "frame-slots.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum slot_state { SLOT_FREE, SLOT_WITH_JS, SLOT_FILLING };

void slots_init(frame_slots *s) {
  memset(s, 0, sizeof(*s));
  pthread_mutex_init(&s->lock, NULL);
  s->last = -1;
}

void slots_destroy(napi_env env, frame_slots *s) {
  for (int i = 0; i < FRAME_SLOTS; i++) {
    if (s->refs[i]) napi_delete_reference(env, s->refs[i]);
    s->refs[i] = NULL;
  }
  pthread_mutex_destroy(&s->lock);
}

void slots_invalidate(frame_slots *s) {
  pthread_mutex_lock(&s->lock);
  s->frame_size = 0;
  pthread_mutex_unlock(&s->lock);
}

napi_value slots_make_buffers(napi_env env, frame_slots *s, int width, int height) {
  size_t size = (size_t)width * height * 4;
  napi_value array;
  napi_create_array_with_length(env, FRAME_SLOTS, &array);
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < FRAME_SLOTS; i++) {
    if (s->refs[i]) napi_delete_reference(env, s->refs[i]);
    s->refs[i] = NULL;
    s->data[i] = NULL;
  }
  for (int i = 0; i < FRAME_SLOTS; i++) {
    void *data = NULL;
    napi_value buffer;
    if (napi_create_buffer(env, size, &data, &buffer) != napi_ok) break;
    napi_create_reference(env, buffer, 1, &s->refs[i]);
    s->data[i] = data;
    s->state[i] = SLOT_FREE;
    napi_set_element(env, array, i, buffer);
  }
  s->width = width;
  s->height = height;
  s->bpp = 4;
  s->last = -1;
  s->generation++;
  s->frame_size = s->data[FRAME_SLOTS - 1] ? size : 0;
  pthread_mutex_unlock(&s->lock);
  return array;
}

static void unmap_buffer(napi_env env, void *data, void *hint) {
  (void)env;
  munmap(data, (size_t)(uintptr_t)hint);
}

bool slots_can_adopt(napi_env env) {
  static uint8_t probe;
  napi_value v;
  if (napi_create_external_buffer(env, 1, &probe, NULL, NULL, &v) == napi_ok) return true;
  bool pending;
  napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
  return false;
}

napi_value slots_adopt_mappings(napi_env env, frame_slots *s, int width, int height, uint8_t *maps[FRAME_SLOTS], size_t map_size) {
  size_t size = (size_t)width * height * 4;
  napi_value array, buffers[FRAME_SLOTS];
  for (int i = 0; i < FRAME_SLOTS; i++) {
    if (napi_create_external_buffer(env, size, maps[i], unmap_buffer, (void *)(uintptr_t)map_size, &buffers[i]) != napi_ok) {
      napi_fatal_error("slots_adopt_mappings", NAPI_AUTO_LENGTH, "could not make a Buffer over a frame's shared memory", NAPI_AUTO_LENGTH);
    }
  }
  napi_create_array_with_length(env, FRAME_SLOTS, &array);
  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < FRAME_SLOTS; i++) {
    if (s->refs[i]) napi_delete_reference(env, s->refs[i]);
    napi_create_reference(env, buffers[i], 1, &s->refs[i]);
    s->data[i] = maps[i];
    s->state[i] = SLOT_FREE;
    napi_set_element(env, array, i, buffers[i]);
  }
  s->width = width;
  s->height = height;
  s->bpp = 4;
  s->last = -1;
  s->generation++;
  s->frame_size = size;
  pthread_mutex_unlock(&s->lock);
  return array;
}

int slots_reserve(frame_slots *s) {
  pthread_mutex_lock(&s->lock);
  int slot = -1;
  if (s->frame_size > 0) {
    for (int i = 0; i < FRAME_SLOTS; i++) {
      if (i != s->last && s->state[i] == SLOT_FREE) {
        slot = i;
        s->state[i] = SLOT_FILLING;
        break;
      }
    }
  }
  if (slot < 0) s->busy++;
  pthread_mutex_unlock(&s->lock);
  return slot;
}

uint32_t slots_publish(frame_slots *s, int slot) {
  pthread_mutex_lock(&s->lock);
  return slots_end(s, slot);
}

void slots_unreserve(frame_slots *s, int slot) {
  pthread_mutex_lock(&s->lock);
  if (s->state[slot] == SLOT_FILLING) s->state[slot] = SLOT_FREE;
  pthread_mutex_unlock(&s->lock);
}

uint8_t *slots_begin(frame_slots *s, int *slot) {
  pthread_mutex_lock(&s->lock);
  if (s->frame_size > 0) {
    for (int i = 0; i < FRAME_SLOTS; i++) {
      if (i != s->last && s->state[i] == SLOT_FREE) {
        *slot = i;
        return s->data[i];
      }
    }
  }
  s->busy++;
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

uint32_t slots_end(frame_slots *s, int slot) {
  s->state[slot] = SLOT_WITH_JS;
  s->last = slot;
  s->delivered++;
  uint32_t generation = s->generation;
  pthread_mutex_unlock(&s->lock);
  return generation;
}

static frame_slots *this_slots(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  void *data = NULL;
  napi_get_cb_info(env, info, argc, argv, NULL, &data);
  return data;
}

/* release(index, generation): JavaScript is done with a frame buffer. */
static napi_value js_release(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  frame_slots *s = this_slots(env, info, &argc, argv);
  int32_t index = -1;
  uint32_t generation = 0;
  if (argc >= 2) {
    napi_get_value_int32(env, argv[0], &index);
    napi_get_value_uint32(env, argv[1], &generation);
  }
  pthread_mutex_lock(&s->lock);
  if (index >= 0 && index < FRAME_SLOTS && generation == s->generation) s->state[index] = SLOT_FREE;
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

/* repeat(): the newest frame again (the screen did not change), as {index, generation}, or null while it is busy. */
static napi_value js_repeat(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  frame_slots *s = this_slots(env, info, &argc, NULL);
  int index = -1;
  uint32_t generation;
  pthread_mutex_lock(&s->lock);
  if (s->last >= 0 && s->state[s->last] == SLOT_FREE && s->frame_size > 0) {
    index = s->last;
    s->state[index] = SLOT_WITH_JS;
    s->repeated++;
  }
  generation = s->generation;
  pthread_mutex_unlock(&s->lock);
  napi_value result;
  if (index < 0) {
    napi_get_null(env, &result);
    return result;
  }
  napi_create_object(env, &result);
  set_int(env, result, "index", index);
  set_int(env, result, "generation", generation);
  return result;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  frame_slots *s = this_slots(env, info, &argc, NULL);
  napi_value result;
  napi_create_object(env, &result);
  pthread_mutex_lock(&s->lock);
  set_double(env, result, "delivered", (double)s->delivered);
  set_double(env, result, "skipped", (double)s->skipped);
  set_double(env, result, "busy", (double)s->busy);
  set_double(env, result, "repeated", (double)s->repeated);
  pthread_mutex_unlock(&s->lock);
  return result;
}

void core_init(capture_core *c, void (*teardown)(capture_core *core)) {
  slots_init(&c->slots);
  c->owners = 1;
  c->teardown = teardown;
}

static void core_drop_owner(napi_env env, capture_core *c) {
  if (--c->owners > 0) return;
  slots_destroy(env, &c->slots);
  free(c);
}

/* The event channel is gone (stopped, or the environment is going away). */
static void core_channel_gone(napi_env env, void *data, void *hint) {
  (void)hint;
  capture_core *c = data;
  if (!c->stopped) {
    c->stopped = 1;
    c->teardown(c);
  }
  core_drop_owner(env, c);
}

bool core_open_channel(napi_env env, capture_core *c, napi_value callback, const char *name, napi_threadsafe_function_call_js call_js) {
  napi_value resource;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  if (napi_create_threadsafe_function(env, callback, NULL, resource, 0, 1, c, core_channel_gone, c, call_js, &c->tsfn) != napi_ok) {
    pthread_mutex_destroy(&c->slots.lock);
    return false;
  }
  /* The channel does not keep Node's loop alive: the handle's owner decides. */
  napi_unref_threadsafe_function(env, c->tsfn);
  return true;
}

void core_stop(capture_core *c) {
  if (c->stopped) return;
  c->stopped = 1;
  c->teardown(c);
  napi_release_threadsafe_function(c->tsfn, napi_tsfn_abort);
}

/* The handle was collected: a capture nobody can stop any more is stopped. */
static void core_handle_gone(napi_env env, void *data, void *hint) {
  (void)hint;
  core_stop(data);
  core_drop_owner(env, data);
}

static napi_value core_js_stop(napi_env env, napi_callback_info info) {
  void *data = NULL;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, NULL, NULL, &data);
  core_stop(data);
  return NULL;
}

napi_value core_handle(napi_env env, capture_core *c) {
  napi_value handle, fn;
  napi_create_object(env, &handle);
  c->owners++;
  napi_add_finalizer(env, handle, c, core_handle_gone, NULL, NULL);
  napi_create_function(env, "release", NAPI_AUTO_LENGTH, js_release, &c->slots, &fn);
  napi_set_named_property(env, handle, "release", fn);
  napi_create_function(env, "repeat", NAPI_AUTO_LENGTH, js_repeat, &c->slots, &fn);
  napi_set_named_property(env, handle, "repeat", fn);
  napi_create_function(env, "stats", NAPI_AUTO_LENGTH, js_stats, &c->slots, &fn);
  napi_set_named_property(env, handle, "stats", fn);
  napi_create_function(env, "stop", NAPI_AUTO_LENGTH, core_js_stop, c, &fn);
  napi_set_named_property(env, handle, "stop", fn);
  return handle;
}
