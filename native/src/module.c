/*
 * streams_native: the host's native parts, one N-API module (NAPI_VERSION 8: one build loads in
 * Node 20 and in Electron). Each part is compiled in when its library was found at build time;
 * `features` lists those that were.
 */
#include "common.h"

napi_value init(napi_env env, napi_value exports) {
  napi_value features, fn;
  napi_create_array(env, &features);
  uint32_t n = 0;
#ifdef WITH_PIPEWIRE
  napi_value name;
  napi_create_string_utf8(env, "pipewire", NAPI_AUTO_LENGTH, &name);
  napi_set_element(env, features, n++, name);
  napi_create_function(env, "openCapture", NAPI_AUTO_LENGTH, open_capture, NULL, &fn);
  napi_set_named_property(env, exports, "openCapture", fn);
#endif
  (void)fn;
  (void)n;
  napi_set_named_property(env, exports, "features", features);
  set_int(env, exports, "napiVersion", NAPI_VERSION);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
