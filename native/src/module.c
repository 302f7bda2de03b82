/*
 * streams_native: the host's native parts, one N-API module (NAPI_VERSION 8: one build loads in
 * Node 20 and in Electron). Each part is compiled in when its library was found at build time;
 * `features` lists those that were.
 */
#include "common.h"

static void add_feature(napi_env env, napi_value features, uint32_t *n, const char *name) {
  napi_value v;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &v);
  napi_set_element(env, features, (*n)++, v);
}

napi_value init(napi_env env, napi_value exports) {
  napi_value features, fn;
  napi_create_array(env, &features);
  uint32_t n = 0;
#ifdef WITH_PIPEWIRE
  add_feature(env, features, &n, "pipewire");
  napi_create_function(env, "openCapture", NAPI_AUTO_LENGTH, open_capture, NULL, &fn);
  napi_set_named_property(env, exports, "openCapture", fn);
#endif
#ifdef WITH_WLROOTS
  add_feature(env, features, &n, "wlroots");
  napi_create_function(env, "wlrOutputs", NAPI_AUTO_LENGTH, wlr_outputs, NULL, &fn);
  napi_set_named_property(env, exports, "wlrOutputs", fn);
  napi_create_function(env, "openWlrCapture", NAPI_AUTO_LENGTH, open_wlr_capture, NULL, &fn);
  napi_set_named_property(env, exports, "openWlrCapture", fn);
  napi_create_function(env, "openWlrInput", NAPI_AUTO_LENGTH, open_wlr_input, NULL, &fn);
  napi_set_named_property(env, exports, "openWlrInput", fn);
#endif
#ifdef WITH_SRTP
  add_feature(env, features, &n, "srtp");
  static const struct { const char *name; napi_callback cb; } srtp_fns[] = {
    { "srtpTransport", srtp_transport }, { "srtpTransportDest", srtp_transport_dest }, { "srtpTransportClose", srtp_transport_close },
    { "fanStream", fan_stream }, { "fanStreamClose", fan_stream_close }, { "fanSend", fan_send }, { "fanNack", fan_nack }, { "fanStats", fan_stats },
  };
  for (size_t i = 0; i < sizeof srtp_fns / sizeof srtp_fns[0]; i++) {
    napi_create_function(env, srtp_fns[i].name, NAPI_AUTO_LENGTH, srtp_fns[i].cb, NULL, &fn);
    napi_set_named_property(env, exports, srtp_fns[i].name, fn);
  }
#endif
  (void)fn;
  (void)n;
  napi_set_named_property(env, exports, "features", features);
  set_int(env, exports, "napiVersion", NAPI_VERSION);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
