/* Small helpers shared by the addon's parts. */
#ifndef STREAMS_NATIVE_COMMON_H
#define STREAMS_NATIVE_COMMON_H
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define THROW(env, message)                    \
  do {                                         \
    napi_throw_error((env), NULL, (message));  \
    return NULL;                               \
  } while (0)

static inline void set_string(napi_env env, napi_value obj, const char *key, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, obj, key, v);
}

static inline void set_int(napi_env env, napi_value obj, const char *key, int64_t value) {
  napi_value v;
  napi_create_int64(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

static inline void set_double(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

static inline void set_bool(napi_env env, napi_value obj, const char *key, bool value) {
  napi_value v;
  napi_get_boolean(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

/* A number property of an options object, or `fallback` when it is missing or not a number. */
static inline int64_t get_int_prop(napi_env env, napi_value obj, const char *key, int64_t fallback) {
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return fallback;
  napi_value v;
  napi_valuetype type;
  napi_get_named_property(env, obj, key, &v);
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_number) return fallback;
  int64_t out = fallback;
  napi_get_value_int64(env, v, &out);
  return out;
}

/* A string property of an options object into `out` (empty when it is missing or not a string). */
static inline char *get_string_prop(napi_env env, napi_value obj, const char *key, char *out, size_t size) {
  out[0] = 0;
  bool has = false;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return out;
  napi_value v;
  napi_valuetype type;
  napi_get_named_property(env, obj, key, &v);
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_string) return out;
  size_t len = 0;
  napi_get_value_string_utf8(env, v, out, size, &len);
  return out;
}

static inline uint32_t get_uint_prop(napi_env env, napi_value obj, const char *key, uint32_t fallback) {
  int64_t v = get_int_prop(env, obj, key, fallback);
  return v < 0 ? fallback : (uint32_t)v;
}

/* CLOCK_MONOTONIC in nanoseconds (what compositors stamp frames with). */
static inline int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

napi_value open_capture(napi_env env, napi_callback_info info);
napi_value srtp_transport(napi_env env, napi_callback_info info);
napi_value srtp_transport_dest(napi_env env, napi_callback_info info);
napi_value srtp_transport_close(napi_env env, napi_callback_info info);
napi_value fan_stream(napi_env env, napi_callback_info info);
napi_value fan_stream_close(napi_env env, napi_callback_info info);
napi_value fan_send(napi_env env, napi_callback_info info);
napi_value fan_nack(napi_env env, napi_callback_info info);
napi_value fan_stats(napi_env env, napi_callback_info info);
napi_value wlr_outputs(napi_env env, napi_callback_info info);
napi_value open_wlr_capture(napi_env env, napi_callback_info info);
napi_value open_wlr_input(napi_env env, napi_callback_info info);

#endif
