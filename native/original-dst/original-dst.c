/*
 * original-dst: a tiny N-API addon for the sidecar's transparent capture.
 * Takes: the file descriptor of an accepted TCP socket (or of a listening socket).
 * Gives: originalDst(fd, family) -> { address, port } read with getsockopt(SO_ORIGINAL_DST)
 *        (IPv4) or getsockopt(IP6T_SO_ORIGINAL_DST) (IPv6): the destination the app addressed
 *        before an iptables REDIRECT rewrote it; setTransparent(fd, family) sets IP_TRANSPARENT
 *        (IPV6_TRANSPARENT) for TPROXY listeners.
 * Must not: keep state, allocate per call beyond the result object, or touch any other socket.
 * Errors are thrown as JS errors whose `code` is the errno name (e.g. "ENOENT": no conntrack entry).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <stdio.h>

#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif

static const char *errno_code(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOTCONN: return "ENOTCONN";
    default: return "EUNKNOWN";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s failed: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

static int read_args(napi_env env, napi_callback_info info, int32_t *fd, int32_t *family) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) return -1;
  if (napi_get_value_int32(env, argv[0], fd) != napi_ok) return -1;
  if (napi_get_value_int32(env, argv[1], family) != napi_ok) return -1;
  if (*fd < 0 || (*family != 4 && *family != 6)) return -1;
  return 0;
}

static napi_value original_dst(napi_env env, napi_callback_info info) {
  int32_t fd, family;
  if (read_args(env, info, &fd, &family) != 0) {
    napi_throw_type_error(env, "EINVAL", "originalDst(fd: number >= 0, family: 4 | 6)");
    return NULL;
  }
  char text[INET6_ADDRSTRLEN];
  int port;
  if (family == 4) {
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    memset(&sin, 0, sizeof sin);
    if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &sin, &len) != 0) return throw_errno(env, "getsockopt(SO_ORIGINAL_DST)", errno);
    inet_ntop(AF_INET, &sin.sin_addr, text, sizeof text);
    port = ntohs(sin.sin_port);
  } else {
    struct sockaddr_in6 sin6;
    socklen_t len = sizeof sin6;
    memset(&sin6, 0, sizeof sin6);
    if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &sin6, &len) != 0) return throw_errno(env, "getsockopt(IP6T_SO_ORIGINAL_DST)", errno);
    inet_ntop(AF_INET6, &sin6.sin6_addr, text, sizeof text);
    port = ntohs(sin6.sin6_port);
  }
  napi_value result, address, port_value;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &address);
  napi_create_int32(env, port, &port_value);
  napi_set_named_property(env, result, "address", address);
  napi_set_named_property(env, result, "port", port_value);
  return result;
}

static napi_value set_transparent(napi_env env, napi_callback_info info) {
  int32_t fd, family;
  if (read_args(env, info, &fd, &family) != 0) {
    napi_throw_type_error(env, "EINVAL", "setTransparent(fd: number >= 0, family: 4 | 6)");
    return NULL;
  }
  int one = 1;
  int rc = family == 4 ? setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one)
                       : setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof one);
  if (rc != 0) return throw_errno(env, "setsockopt(IP_TRANSPARENT)", errno);
  napi_value undefined;
  napi_get_undefined(env, &undefined);
  return undefined;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "originalDst", NULL, original_dst, NULL, NULL, NULL, napi_enumerable, NULL },
    { "setTransparent", NULL, set_transparent, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
