/*
 * havipd_native: raw IP protocol 112 sockets (RFC 5798 §5.1.1.3 / §5.1.2.3 TTL / hop limit 255,
 * recvmsg control messages for TTL, hop limit, destination and ifindex), AF_PACKET send for
 * gratuitous ARP / unsolicited NA (RFC 5798 §6.4.2, RFC 4861 §7.2.6), interface lookups.
 *
 * Plain node_api.h (Node-API 8) + uv_poll on the env's own loop. Every function throws an Error
 * whose `code` is the errno name (ENODEV, EPERM, ...) and which carries `syscall` and `errno`.
 * Every fd and poll handle is tracked per env and closed by an env cleanup hook.
 * The TypeScript side (src/native/index.ts) documents the exported API.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ucred (SO_PEERCRED) */
#endif
#include <node_api.h>
#include <uv.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <linux/if_packet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <time.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <stdio.h>
#include <limits.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#ifndef IP_MULTICAST_ALL
#define IP_MULTICAST_ALL 49
#endif
#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL 29
#endif
#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

#define RECV_BUF_SIZE 65536
#define RAW_RCVBUF (1024 * 1024)
#define IPPROTO_VRRP_NUM 112 /* RFC 5798 §5.1.1.4 */

typedef struct watcher {
  uv_poll_t poll; /* first member: see WATCHER_FREE */
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  int fd;
  uint32_t id;
  struct watcher *next;
} watcher_t;

/* A signal Node cannot name (keepalived's JSON dump signal is SIGRTMIN+2). */
typedef struct sigwatch {
  uv_signal_t sig; /* first member: freed with libc free(), as WATCHER_FREE */
  napi_env env;
  napi_ref cb;
  napi_async_context ctx;
  struct sigwatch *next;
} sigwatch_t;

typedef struct {
  int *fds;
  size_t nfds, capfds;
  watcher_t *watchers;
  sigwatch_t *sigwatches;
  uint32_t next_watch_id;
  int torn_down;
  unsigned char buf[RECV_BUF_SIZE];
} state_t;

/* ---------- helpers ---------- */

static napi_value make_errno_error(napi_env env, const char *syscall, int err, const char *detail) {
  const char *name = strerrorname_np(err);
  char code[32];
  if (name == NULL) {
    snprintf(code, sizeof code, "E%d", err);
    name = code;
  }
  char msg[256];
  if (detail != NULL && detail[0] != '\0')
    snprintf(msg, sizeof msg, "%s %s: %s (%s)", syscall, detail, strerror(err), name);
  else
    snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(err), name);
  napi_value jcode, jmsg, error, jsys, jerrno;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &jcode);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &jmsg);
  napi_create_error(env, jcode, jmsg, &error);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &jsys);
  napi_set_named_property(env, error, "syscall", jsys);
  napi_create_int32(env, -err, &jerrno);
  napi_set_named_property(env, error, "errno", jerrno);
  return error;
}

static napi_value throw_errno(napi_env env, const char *syscall, int err, const char *detail) {
  napi_throw(env, make_errno_error(env, syscall, err, detail));
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

#define NAPI_OK(call)                                                            \
  do {                                                                           \
    if ((call) != napi_ok) return throw_type(env, "havipd_native: bad argument"); \
  } while (0)

static state_t *get_state(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  void *data = NULL;
  napi_get_cb_info(env, info, argc, argv, NULL, &data);
  return (state_t *)data;
}

static int get_str(napi_env env, napi_value v, char *out, size_t len) {
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, out, len, &n) != napi_ok) return -1;
  return n < len - 1 ? 0 : -1;
}

static int is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return 1;
  return t == napi_null || t == napi_undefined;
}

/* An interface name argument: 0, or -1 when it is not a string or too long for IFNAMSIZ. */
static int get_ifname(napi_env env, napi_value v, char ifname[IFNAMSIZ + 1]) {
  return get_str(env, v, ifname, IFNAMSIZ + 1) != 0 || strlen(ifname) >= IFNAMSIZ ? -1 : 0;
}

static int get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  bool is_buf = false;
  napi_is_buffer(env, v, &is_buf);
  if (is_buf) return napi_get_buffer_info(env, v, data, len) == napi_ok ? 0 : -1;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return -1;
  napi_typedarray_type type;
  size_t n;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, &n, data, &ab, &off) != napi_ok) return -1;
  if (type != napi_uint8_array) return -1;
  *len = n;
  return 0;
}

static void track_fd(state_t *st, int fd) {
  if (st->nfds == st->capfds) {
    size_t cap = st->capfds ? st->capfds * 2 : 16;
    int *p = realloc(st->fds, cap * sizeof(int));
    if (p == NULL) return; /* untracked: still closed by close() */
    st->fds = p;
    st->capfds = cap;
  }
  st->fds[st->nfds++] = fd;
}

static int untrack_fd(state_t *st, int fd) {
  for (size_t i = 0; i < st->nfds; i++) {
    if (st->fds[i] == fd) {
      st->fds[i] = st->fds[--st->nfds];
      return 1;
    }
  }
  return 0;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value r;
  napi_create_int64(env, v, &r);
  return r;
}

static napi_value open_result(napi_env env, int fd, unsigned ifindex) {
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "fd", make_int(env, fd));
  napi_set_named_property(env, obj, "ifindex", make_int(env, ifindex));
  return obj;
}

static int setint(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value);
}

/* ---------- ifIndex(name), ifMac(name) ---------- */

static napi_value js_if_index(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_state(env, info, &argc, argv);
  char name[IFNAMSIZ + 1];
  if (argc < 1 || get_str(env, argv[0], name, sizeof name) != 0) return throw_errno(env, "if_nametoindex", ENODEV, "(bad name)");
  unsigned idx = if_nametoindex(name);
  if (idx == 0) return throw_errno(env, "if_nametoindex", errno, name);
  return make_int(env, idx);
}

static napi_value js_if_mac(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_state(env, info, &argc, argv);
  char name[IFNAMSIZ + 1];
  if (argc < 1 || get_str(env, argv[0], name, sizeof name) != 0 || strlen(name) >= IFNAMSIZ)
    return throw_errno(env, "SIOCGIFHWADDR", ENODEV, "(bad name)");
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, name);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, name, strlen(name));
  int rc = ioctl(fd, SIOCGIFHWADDR, &ifr);
  int err = errno;
  close(fd);
  if (rc < 0) return throw_errno(env, "SIOCGIFHWADDR", err, name);
  napi_value buf;
  void *out;
  napi_create_buffer_copy(env, 6, ifr.ifr_hwaddr.sa_data, &out, &buf);
  return buf;
}

/* ---------- openRaw(family, ifname, bindAddr | null) -> { fd, ifindex } ---------- */

static napi_value js_open_raw(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  state_t *st = get_state(env, info, &argc, argv);
  if (argc < 3) return throw_type(env, "openRaw(family, ifname, bindAddr)");
  int32_t family;
  NAPI_OK(napi_get_value_int32(env, argv[0], &family));
  if (family != 4 && family != 6) return throw_type(env, "family must be 4 or 6");
  char ifname[IFNAMSIZ + 1];
  if (get_ifname(env, argv[1], ifname) != 0)
    return throw_errno(env, "SO_BINDTODEVICE", ENODEV, "(name too long)");
  char bind_addr[INET6_ADDRSTRLEN + 1] = "";
  if (!is_nullish(env, argv[2]) && get_str(env, argv[2], bind_addr, sizeof bind_addr) != 0)
    return throw_type(env, "bindAddr must be an address string");

  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_VRRP_NUM);
  if (fd < 0) return throw_errno(env, "socket", errno, ifname);

  const char *what = "SO_BINDTODEVICE";
  unsigned ifindex = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0) goto fail;
  what = "if_nametoindex";
  ifindex = if_nametoindex(ifname);
  if (ifindex == 0) goto fail;

  /* The kernel's receive time of each datagram (SCM_TIMESTAMPNS): the down timer counts from it. Optional. */
  (void)setint(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
  /* Room for a burst of adverts from a peer's 255 instances while the event loop is busy (the default
     rmem_default of 208 KiB holds ~200 small datagrams: the rest of a burst would be dropped and a BACKUP
     would time out on instances whose master is alive). FORCE (CAP_NET_ADMIN) goes past rmem_max; without it
     the plain option, capped there. And the count of datagrams dropped on a full queue, with each datagram. */
  if (setint(fd, SOL_SOCKET, SO_RCVBUFFORCE, RAW_RCVBUF) < 0) (void)setint(fd, SOL_SOCKET, SO_RCVBUF, RAW_RCVBUF);
  (void)setint(fd, SOL_SOCKET, SO_RXQ_OVFL, 1);

  if (family == 4) {
    struct ip_mreqn mreq;
    memset(&mreq, 0, sizeof mreq);
    mreq.imr_ifindex = (int)ifindex;
    what = "IP_HDRINCL";
    if (setint(fd, IPPROTO_IP, IP_HDRINCL, 1) < 0) goto fail;
    what = "IP_RECVTTL";
    if (setint(fd, IPPROTO_IP, IP_RECVTTL, 1) < 0) goto fail;
    what = "IP_PKTINFO";
    if (setint(fd, IPPROTO_IP, IP_PKTINFO, 1) < 0) goto fail;
    what = "IP_MULTICAST_LOOP";
    if (setint(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) < 0) goto fail;
    what = "IP_MULTICAST_ALL";
    if (setint(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0) < 0) goto fail;
    what = "IP_MULTICAST_TTL";
    if (setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, 255) < 0) goto fail;
    what = "IP_TTL";
    if (setint(fd, IPPROTO_IP, IP_TTL, 255) < 0) goto fail;
    what = "IP_TOS";
    if (setint(fd, IPPROTO_IP, IP_TOS, 0xc0) < 0) goto fail;
    what = "IP_MULTICAST_IF";
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) < 0) goto fail;
    if (bind_addr[0]) {
      struct sockaddr_in sin;
      memset(&sin, 0, sizeof sin);
      sin.sin_family = AF_INET;
      if (inet_pton(AF_INET, bind_addr, &sin.sin_addr) != 1) {
        errno = EINVAL;
        what = "inet_pton";
        goto fail;
      }
      what = "IP_FREEBIND";
      if (setint(fd, IPPROTO_IP, IP_FREEBIND, 1) < 0) goto fail;
      what = "bind";
      if (bind(fd, (struct sockaddr *)&sin, sizeof sin) < 0) goto fail;
    }
  } else {
    what = "IPV6_RECVHOPLIMIT";
    if (setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) < 0) goto fail;
    what = "IPV6_RECVPKTINFO";
    if (setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) < 0) goto fail;
    what = "IPV6_CHECKSUM";
    if (setint(fd, IPPROTO_IPV6, IPV6_CHECKSUM, 6) < 0) goto fail;
    what = "IPV6_MULTICAST_LOOP";
    if (setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) < 0) goto fail;
    what = "IPV6_MULTICAST_ALL";
    if (setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0) < 0) goto fail;
    what = "IPV6_MULTICAST_HOPS";
    if (setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255) < 0) goto fail;
    what = "IPV6_UNICAST_HOPS";
    if (setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255) < 0) goto fail;
    what = "IPV6_TCLASS";
    if (setint(fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0) < 0) goto fail;
    what = "IPV6_MULTICAST_IF";
    if (setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)ifindex) < 0) goto fail;
    if (bind_addr[0]) {
      struct sockaddr_in6 sin6;
      memset(&sin6, 0, sizeof sin6);
      sin6.sin6_family = AF_INET6;
      if (inet_pton(AF_INET6, bind_addr, &sin6.sin6_addr) != 1) {
        errno = EINVAL;
        what = "inet_pton";
        goto fail;
      }
      sin6.sin6_scope_id = ifindex;
      what = "IPV6_FREEBIND";
      if (setint(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1) < 0) goto fail;
      what = "bind";
      if (bind(fd, (struct sockaddr *)&sin6, sizeof sin6) < 0) goto fail;
    }
  }
  track_fd(st, fd);
  return open_result(env, fd, ifindex);

fail: {
  int err = errno;
  close(fd);
  return throw_errno(env, what, err, ifname);
}
}

/* ---------- membership(fd, family, group, ifindex, join) ---------- */

static napi_value js_membership(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  get_state(env, info, &argc, argv);
  if (argc < 5) return throw_type(env, "membership(fd, family, group, ifindex, join)");
  int32_t fd, family, ifindex;
  bool join;
  char group[INET6_ADDRSTRLEN + 1];
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  NAPI_OK(napi_get_value_int32(env, argv[1], &family));
  if (get_str(env, argv[2], group, sizeof group) != 0) return throw_type(env, "group must be a string");
  NAPI_OK(napi_get_value_int32(env, argv[3], &ifindex));
  NAPI_OK(napi_get_value_bool(env, argv[4], &join));
  int rc;
  if (family == 4) {
    struct ip_mreqn mreq;
    memset(&mreq, 0, sizeof mreq);
    if (inet_pton(AF_INET, group, &mreq.imr_multiaddr) != 1) return throw_errno(env, "inet_pton", EINVAL, group);
    mreq.imr_ifindex = ifindex;
    rc = setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &mreq, sizeof mreq);
    if (rc < 0) return throw_errno(env, join ? "IP_ADD_MEMBERSHIP" : "IP_DROP_MEMBERSHIP", errno, group);
  } else {
    struct ipv6_mreq mreq;
    memset(&mreq, 0, sizeof mreq);
    if (inet_pton(AF_INET6, group, &mreq.ipv6mr_multiaddr) != 1) return throw_errno(env, "inet_pton", EINVAL, group);
    mreq.ipv6mr_interface = (unsigned)ifindex;
    rc = setsockopt(fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &mreq, sizeof mreq);
    if (rc < 0) return throw_errno(env, join ? "IPV6_ADD_MEMBERSHIP" : "IPV6_DROP_MEMBERSHIP", errno, group);
  }
  return NULL;
}

/* ---------- sendRaw(fd, family, bytes, dst, src | null, ifindex, hopLimit) -> bytes sent ---------- */

static napi_value js_send_raw(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  get_state(env, info, &argc, argv);
  if (argc < 7) return throw_type(env, "sendRaw(fd, family, bytes, dst, src, ifindex, hopLimit)");
  int32_t fd, family, ifindex, hop;
  void *data;
  size_t len;
  char dst[INET6_ADDRSTRLEN + 1], src[INET6_ADDRSTRLEN + 1] = "";
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  NAPI_OK(napi_get_value_int32(env, argv[1], &family));
  if (get_bytes(env, argv[2], &data, &len) != 0) return throw_type(env, "bytes must be a Uint8Array");
  if (get_str(env, argv[3], dst, sizeof dst) != 0) return throw_type(env, "dst must be a string");
  if (!is_nullish(env, argv[4]) && get_str(env, argv[4], src, sizeof src) != 0) return throw_type(env, "src must be a string");
  NAPI_OK(napi_get_value_int32(env, argv[5], &ifindex));
  NAPI_OK(napi_get_value_int32(env, argv[6], &hop));
  ssize_t n;
  if (family == 4) {
    /* IP_HDRINCL: bytes start with the IPv4 header built in TypeScript (source, TTL, TOS, ID). */
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    if (inet_pton(AF_INET, dst, &sin.sin_addr) != 1) return throw_errno(env, "inet_pton", EINVAL, dst);
    int flags = IN_MULTICAST(ntohl(sin.sin_addr.s_addr)) ? MSG_DONTROUTE : 0;
    n = sendto(fd, data, len, flags, (struct sockaddr *)&sin, sizeof sin);
  } else {
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof sin6);
    sin6.sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, dst, &sin6.sin6_addr) != 1) return throw_errno(env, "inet_pton", EINVAL, dst);
    sin6.sin6_scope_id = (uint32_t)ifindex;
    union {
      char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
      struct cmsghdr align;
    } cbuf;
    memset(&cbuf, 0, sizeof cbuf);
    struct iovec iov = {.iov_base = data, .iov_len = len};
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = &sin6;
    msg.msg_namelen = sizeof sin6;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.buf;
    msg.msg_controllen = sizeof cbuf.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
    struct in6_pktinfo pi;
    memset(&pi, 0, sizeof pi);
    pi.ipi6_ifindex = (unsigned)ifindex;
    if (src[0] && inet_pton(AF_INET6, src, &pi.ipi6_addr) != 1) return throw_errno(env, "inet_pton", EINVAL, src);
    memcpy(CMSG_DATA(c), &pi, sizeof pi);
    c = CMSG_NXTHDR(&msg, c);
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_HOPLIMIT;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int h = hop;
    memcpy(CMSG_DATA(c), &h, sizeof h);
    int flags = IN6_IS_ADDR_MULTICAST(&sin6.sin6_addr) ? MSG_DONTROUTE : 0;
    n = sendmsg(fd, &msg, flags);
  }
  if (n < 0) return throw_errno(env, family == 4 ? "sendto" : "sendmsg", errno, dst);
  return make_int(env, n);
}

/* ---------- recvRaw(fd, family) -> null | { data, src, dst, ttl, ifindex, truncated } ---------- */

static napi_value js_recv_raw(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  state_t *st = get_state(env, info, &argc, argv);
  int32_t fd, family;
  if (argc < 2) return throw_type(env, "recvRaw(fd, family)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  NAPI_OK(napi_get_value_int32(env, argv[1], &family));
  struct sockaddr_storage from;
  union {
    char buf[512];
    struct cmsghdr align;
  } cbuf;
  struct iovec iov = {.iov_base = st->buf, .iov_len = sizeof st->buf};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf.buf;
  msg.msg_controllen = sizeof cbuf.buf;
  ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      napi_value nul;
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, "recvmsg", errno, NULL);
  }
  char srcs[INET6_ADDRSTRLEN] = "", dsts[INET6_ADDRSTRLEN] = "";
  int ttl = -1;
  unsigned ifindex = 0;
  int64_t age_us = -1;
  int64_t dropped = -1;
  if (from.ss_family == AF_INET)
    inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, srcs, sizeof srcs);
  else if (from.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, srcs, sizeof srcs);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      ttl = v;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      ifindex = (unsigned)pi.ipi_ifindex;
      inet_ntop(AF_INET, &pi.ipi_addr, dsts, sizeof dsts);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      int v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      ttl = v;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      ifindex = pi.ipi6_ifindex;
      inet_ntop(AF_INET6, &pi.ipi6_addr, dsts, sizeof dsts);
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
      uint32_t v;
      memcpy(&v, CMSG_DATA(c), sizeof v);
      dropped = v;
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      /* CLOCK_REALTIME: only the difference to now is used, read at once so that a clock step is unlikely to
         fall between; a negative or implausible age is dropped (the caller then counts from now). */
      struct timespec rx, now;
      memcpy(&rx, CMSG_DATA(c), sizeof rx);
      clock_gettime(CLOCK_REALTIME, &now);
      int64_t d = ((int64_t)now.tv_sec - (int64_t)rx.tv_sec) * 1000000 + ((int64_t)now.tv_nsec - (int64_t)rx.tv_nsec) / 1000;
      if (d >= 0 && d <= 1000000) age_us = d;
    }
  }
  (void)family;
  napi_value obj, buf, s, d, t;
  void *out;
  size_t len = (size_t)n > sizeof st->buf ? sizeof st->buf : (size_t)n;
  napi_create_object(env, &obj);
  napi_create_buffer_copy(env, len, st->buf, &out, &buf);
  napi_set_named_property(env, obj, "data", buf);
  napi_create_string_utf8(env, srcs, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, obj, "src", s);
  napi_create_string_utf8(env, dsts, NAPI_AUTO_LENGTH, &d);
  napi_set_named_property(env, obj, "dst", d);
  if (ttl >= 0)
    t = make_int(env, ttl);
  else
    napi_get_undefined(env, &t);
  napi_set_named_property(env, obj, "ttl", t);
  napi_set_named_property(env, obj, "ifindex", make_int(env, ifindex));
  if (age_us >= 0) napi_set_named_property(env, obj, "ageMicros", make_int(env, age_us));
  if (dropped >= 0) napi_set_named_property(env, obj, "dropped", make_int(env, dropped));
  napi_value tr;
  napi_get_boolean(env, (msg.msg_flags & MSG_TRUNC) != 0, &tr);
  napi_set_named_property(env, obj, "truncated", tr);
  return obj;
}

/* ---------- openPacket(ifname) -> { fd, ifindex }; sendFrame(fd, bytes) -> bytes sent ---------- */

/*
 * An AF_PACKET / SOCK_RAW socket bound to `ifname` for `protocol` (network order; 0 receives nothing), with
 * `filter` attached before the bind when given, so that nothing unfiltered is ever queued.
 */
static napi_value open_packet_socket(napi_env env, state_t *st, const char *ifname, uint16_t protocol, const struct sock_fprog *filter) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, ifname);
  unsigned ifindex = if_nametoindex(ifname);
  int err = 0;
  const char *call = NULL;
  if (ifindex == 0) {
    err = errno;
    call = "if_nametoindex";
  } else if (filter != NULL && setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, filter, sizeof *filter) < 0) {
    err = errno;
    call = "setsockopt(SO_ATTACH_FILTER)";
  } else {
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = protocol;
    sll.sll_ifindex = (int)ifindex;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
      err = errno;
      call = "bind";
    }
  }
  if (call != NULL) {
    close(fd);
    return throw_errno(env, call, err, ifname);
  }
  track_fd(st, fd);
  return open_result(env, fd, ifindex);
}

static napi_value js_open_packet(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  state_t *st = get_state(env, info, &argc, argv);
  char ifname[IFNAMSIZ + 1];
  if (argc < 1 || get_ifname(env, argv[0], ifname) != 0) return throw_errno(env, "if_nametoindex", ENODEV, "(bad name)");
  /* Protocol 0: this socket receives nothing; it only sends whole Ethernet frames. */
  return open_packet_socket(env, st, ifname, 0, NULL);
}

static napi_value js_send_frame(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  get_state(env, info, &argc, argv);
  int32_t fd;
  void *data;
  size_t len;
  if (argc < 2) return throw_type(env, "sendFrame(fd, bytes)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  if (get_bytes(env, argv[1], &data, &len) != 0) return throw_type(env, "bytes must be a Uint8Array");
  ssize_t n = send(fd, data, len, 0);
  if (n < 0) return throw_errno(env, "send", errno, NULL);
  return make_int(env, n);
}

/* ---------- openArp(ifname, addrs) -> { fd, ifindex }; recvFrame(fd) -> Buffer | null ---------- */

/*
 * An AF_PACKET socket that receives the ARP frames on `ifname` whose sender protocol address is one of
 * `addrs` (4 bytes each, network order), and none this host sent: a classic BPF filter, attached before
 * the socket is bound to ETH_P_ARP so that nothing unfiltered is queued. Over ARP_FILTER_MAX addresses
 * the filter keeps only the direction test (the caller filters the addresses).
 */
#define ARP_FILTER_MAX 254
#define ARP_SPA_OFFSET 28 /* 14 Ethernet + 8 ARP fixed + 6 sender MAC */

static napi_value js_open_arp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  state_t *st = get_state(env, info, &argc, argv);
  char ifname[IFNAMSIZ + 1];
  if (argc < 2 || get_ifname(env, argv[0], ifname) != 0) return throw_errno(env, "if_nametoindex", ENODEV, "(bad name)");
  void *data;
  size_t len;
  if (get_bytes(env, argv[1], &data, &len) != 0 || len % 4 != 0) return throw_type(env, "addrs must be a Uint8Array of IPv4 addresses");
  size_t n = len / 4;
  int by_addr = n > 0 && n <= ARP_FILTER_MAX;
  struct sock_filter prog[ARP_FILTER_MAX + 5];
  size_t k = 0;
  const unsigned char *a = data;
  /* k = 0, 1: drop what this host sent (PACKET_OUTGOING). */
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE);
  if (by_addr) {
    prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, (unsigned char)(n + 1), 0);
    prog[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARP_SPA_OFFSET);
    for (size_t i = 0; i < n; i++) {
      uint32_t v = ((uint32_t)a[4 * i] << 24) | ((uint32_t)a[4 * i + 1] << 16) | ((uint32_t)a[4 * i + 2] << 8) | a[4 * i + 3];
      prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, v, (unsigned char)(n - i), 0);
    }
  } else {
    prog[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1);
  }
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
  prog[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffff);
  struct sock_fprog fprog = { .len = (unsigned short)k, .filter = prog };
  return open_packet_socket(env, st, ifname, htons(ETH_P_ARP), &fprog);
}

static napi_value js_recv_frame(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  state_t *st = get_state(env, info, &argc, argv);
  int32_t fd;
  if (argc < 1) return throw_type(env, "recvFrame(fd)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  for (int tries = 0; tries < 64; tries++) {
    struct sockaddr_ll from;
    socklen_t fromlen = sizeof from;
    ssize_t n = recvfrom(fd, st->buf, sizeof st->buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      return throw_errno(env, "recvfrom", errno, NULL);
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue; /* the filter drops these; belt and braces */
    napi_value r;
    void *out;
    NAPI_OK(napi_create_buffer_copy(env, (size_t)n, st->buf, &out, &r));
    return r;
  }
  napi_value r;
  napi_get_null(env, &r);
  return r;
}

/* ---------- watch(fd, cb) -> id; unwatch(id); close(fd) ---------- */

/*
 * Close callback: libc's free() itself, not a function of this module. In a worker thread Node
 * unloads the addon at env teardown, before the loop runs the close callbacks of handles closed by
 * the cleanup hook; a callback inside this .so would then jump into unmapped memory (seen: SIGSEGV
 * in uv__finish_close). `poll` is the first member, so the handle pointer is the watcher pointer.
 */
#define WATCHER_FREE ((uv_close_cb)(void (*)(void))free)

/* Calls the JS function behind `cb_ref` with one argument made by `make_arg`, through napi_make_callback
 * (so microtasks run right after); an exception thrown by it is reported as uncaught. */
static void call_js(napi_env env, napi_ref cb_ref, napi_async_context ctx, napi_value (*make_arg)(napi_env, int), int arg_in) {
  napi_handle_scope scope;
  if (cb_ref == NULL || napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb = NULL, global, arg, result;
  napi_get_reference_value(env, cb_ref, &cb);
  napi_get_global(env, &global);
  arg = make_arg(env, arg_in);
  if (cb != NULL) {
    napi_status s = napi_make_callback(env, ctx, global, cb, 1, &arg, &result);
    if (s == napi_pending_exception) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* Argument of a poll callback: undefined, or an Error named after the libuv status. */
static napi_value poll_arg(napi_env env, int status) {
  napi_value arg;
  if (status < 0) {
    napi_value code, msg;
    napi_create_string_utf8(env, uv_err_name(status), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, uv_strerror(status), NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, code, msg, &arg);
  } else {
    napi_get_undefined(env, &arg);
  }
  return arg;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  (void)events;
  watcher_t *w = (watcher_t *)h->data;
  call_js(w->env, w->cb, w->ctx, poll_arg, status);
}

static void destroy_watcher(napi_env env, watcher_t *w, int from_cleanup) {
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->cb);
  w->cb = NULL;
  if (!from_cleanup) napi_async_destroy(env, w->ctx);
  w->poll.data = w;
  uv_close((uv_handle_t *)&w->poll, WATCHER_FREE);
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  state_t *st = get_state(env, info, &argc, argv);
  int32_t fd;
  if (argc < 2) return throw_type(env, "watch(fd, cb)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throw_type(env, "cb must be a function");
  struct uv_loop_s *loop;
  NAPI_OK(napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, "calloc", ENOMEM, NULL);
  int rc = uv_poll_init_socket(loop, &w->poll, fd);
  if (rc < 0) {
    free(w);
    return throw_errno(env, "uv_poll_init", -rc, NULL);
  }
  w->poll.data = w;
  w->env = env;
  w->fd = fd;
  w->id = ++st->next_watch_id;
  napi_create_reference(env, argv[1], 1, &w->cb);
  napi_value res_name;
  napi_create_string_utf8(env, "havipd:socket", NAPI_AUTO_LENGTH, &res_name);
  napi_async_init(env, NULL, res_name, &w->ctx);
  rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc < 0) {
    destroy_watcher(env, w, 0);
    return throw_errno(env, "uv_poll_start", -rc, NULL);
  }
  w->next = st->watchers;
  st->watchers = w;
  return make_int(env, w->id);
}

static void unwatch_matching(napi_env env, state_t *st, uint32_t id, int fd) {
  watcher_t **pp = &st->watchers;
  while (*pp != NULL) {
    watcher_t *w = *pp;
    if ((id != 0 && w->id == id) || (fd >= 0 && w->fd == fd)) {
      *pp = w->next;
      destroy_watcher(env, w, 0);
    } else {
      pp = &w->next;
    }
  }
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  state_t *st = get_state(env, info, &argc, argv);
  uint32_t id;
  if (argc < 1) return throw_type(env, "unwatch(id)");
  NAPI_OK(napi_get_value_uint32(env, argv[0], &id));
  if (id != 0) unwatch_matching(env, st, id, -1);
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  state_t *st = get_state(env, info, &argc, argv);
  int32_t fd;
  if (argc < 1) return throw_type(env, "close(fd)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  unwatch_matching(env, st, 0, fd); /* never leave a poll handle on a closed fd */
  if (untrack_fd(st, fd)) close(fd); /* only fds this addon opened */
  return NULL;
}

/* How many fds this env holds open (tests check that close() and teardown release them). */
static napi_value js_open_count(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  state_t *st = get_state(env, info, &argc, NULL);
  return make_int(env, (int64_t)st->nfds);
}

/* ---------- watchSignal(signum, cb); sigrtmin() ---------- */

static napi_value signum_arg(napi_env env, int signum) {
  napi_value arg;
  napi_create_int32(env, signum, &arg);
  return arg;
}

static void on_signal(uv_signal_t *h, int signum) {
  sigwatch_t *w = (sigwatch_t *)h->data;
  call_js(w->env, w->cb, w->ctx, signum_arg, signum);
}

/* Calls cb(signum) on each delivery of `signum`; the handle does not keep the loop alive. */
static napi_value js_watch_signal(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  state_t *st = get_state(env, info, &argc, argv);
  int32_t signum;
  if (argc < 2) return throw_type(env, "watchSignal(signum, cb)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &signum));
  napi_valuetype t;
  napi_typeof(env, argv[1], &t);
  if (t != napi_function) return throw_type(env, "cb must be a function");
  if (signum <= 0 || signum > SIGRTMAX) return throw_errno(env, "uv_signal_start", EINVAL, "signal number out of range");
  struct uv_loop_s *loop;
  NAPI_OK(napi_get_uv_event_loop(env, &loop));
  sigwatch_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, "calloc", ENOMEM, NULL);
  int rc = uv_signal_init(loop, &w->sig);
  if (rc < 0) {
    free(w);
    return throw_errno(env, "uv_signal_init", -rc, NULL);
  }
  w->sig.data = w;
  w->env = env;
  napi_create_reference(env, argv[1], 1, &w->cb);
  napi_value res_name;
  napi_create_string_utf8(env, "havipd:signal", NAPI_AUTO_LENGTH, &res_name);
  napi_async_init(env, NULL, res_name, &w->ctx);
  rc = uv_signal_start(&w->sig, on_signal, signum);
  if (rc < 0) {
    napi_delete_reference(env, w->cb);
    napi_async_destroy(env, w->ctx);
    uv_close((uv_handle_t *)&w->sig, WATCHER_FREE);
    return throw_errno(env, "uv_signal_start", -rc, NULL);
  }
  uv_unref((uv_handle_t *)&w->sig);
  w->next = st->sigwatches;
  st->sigwatches = w;
  return NULL;
}

static napi_value js_sigrtmin(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  (void)get_state(env, info, &argc, NULL);
  return make_int(env, SIGRTMIN);
}

/* ---------- peerCred(fd); sdNotify(path, msg); openUnixDgram(path); recvUnixDgram(fd) ---------- */

/* SO_PEERCRED of a connected Unix stream socket: { pid, uid, gid } of the peer at connect() time. */
static napi_value js_peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_state(env, info, &argc, argv);
  int32_t fd;
  if (argc < 1) return throw_type(env, "peerCred(fd)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return throw_errno(env, "getsockopt", errno, "SO_PEERCRED");
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "pid", make_int(env, cred.pid));
  napi_set_named_property(env, obj, "uid", make_int(env, cred.uid));
  napi_set_named_property(env, obj, "gid", make_int(env, cred.gid));
  return obj;
}

/* A sockaddr_un for `path`; a leading '@' is the abstract namespace (sd_notify(3)). -1 when too long. */
static int unix_addr(const char *path, struct sockaddr_un *sa, socklen_t *salen) {
  size_t n = strlen(path);
  memset(sa, 0, sizeof *sa);
  sa->sun_family = AF_UNIX;
  if (n == 0 || n >= sizeof sa->sun_path) return -1;
  memcpy(sa->sun_path, path, n);
  if (path[0] == '@') sa->sun_path[0] = '\0';
  *salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '@' ? 0 : 1));
  return 0;
}

/* One datagram to the Unix socket `path` (systemd's $NOTIFY_SOCKET). Returns the bytes sent. */
static napi_value js_sd_notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  get_state(env, info, &argc, argv);
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  char msg[4096];
  if (argc < 2 || get_str(env, argv[0], path, sizeof path) != 0) return throw_errno(env, "sendto", ENAMETOOLONG, "(notify socket path)");
  if (get_str(env, argv[1], msg, sizeof msg) != 0) return throw_errno(env, "sendto", EMSGSIZE, "(notify message)");
  struct sockaddr_un sa;
  socklen_t salen;
  if (unix_addr(path, &sa, &salen) != 0) return throw_errno(env, "sendto", ENAMETOOLONG, path);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, NULL);
  ssize_t n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa, salen);
  int err = errno;
  close(fd);
  if (n < 0) return throw_errno(env, "sendto", err, path);
  return make_int(env, n);
}

/* A non-blocking Unix datagram socket bound to `path` (a notify receiver, for tests). Returns the fd. */
static napi_value js_open_unix_dgram(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  state_t *st = get_state(env, info, &argc, argv);
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  if (argc < 1 || get_str(env, argv[0], path, sizeof path) != 0) return throw_errno(env, "bind", ENAMETOOLONG, "(path)");
  struct sockaddr_un sa;
  socklen_t salen;
  if (unix_addr(path, &sa, &salen) != 0) return throw_errno(env, "bind", ENAMETOOLONG, path);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, NULL);
  if (bind(fd, (struct sockaddr *)&sa, salen) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err, path);
  }
  track_fd(st, fd);
  return make_int(env, fd);
}

/* recv(MSG_DONTWAIT) on a Unix datagram socket: the next datagram as a string, or null when none waits. */
static napi_value js_recv_unix_dgram(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_state(env, info, &argc, argv);
  int32_t fd;
  if (argc < 1) return throw_type(env, "recvUnixDgram(fd)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
  napi_value r;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_get_null(env, &r);
      return r;
    }
    return throw_errno(env, "recv", errno, NULL);
  }
  napi_create_string_utf8(env, buf, (size_t)n, &r);
  return r;
}

/* ---------- openTimer() -> fd; armTimer(fd, ns); readTimer(fd) -> expirations ---------- */

/*
 * A CLOCK_MONOTONIC timerfd (the clock of process.hrtime / uv_hrtime), for deadlines that must fire
 * within a fraction of a millisecond: libuv's timers have millisecond resolution and count from the
 * loop's cached time. The caller watches the fd with watch() and reads it with readTimer().
 */
static napi_value js_open_timer(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  state_t *st = get_state(env, info, &argc, NULL);
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, "timerfd_create", errno, NULL);
  track_fd(st, fd);
  return make_int(env, fd);
}

/* A non-negative bigint argument (CLOCK_MONOTONIC ns) into *ns; false when it is not one. */
static bool get_ns(napi_env env, napi_value v, int64_t *ns) {
  bool lossless;
  return napi_get_value_bigint_int64(env, v, ns, &lossless) == napi_ok && lossless && *ns >= 0;
}

/* Arms the timer for the absolute CLOCK_MONOTONIC time `ns` (a bigint); 0n disarms it. */
static napi_value js_arm_timer(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  get_state(env, info, &argc, argv);
  int32_t fd;
  int64_t ns;
  if (argc < 2) return throw_type(env, "armTimer(fd, ns)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  if (!get_ns(env, argv[1], &ns)) return throw_type(env, "ns must be a non-negative bigint");
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  /* 0n leaves it_value zero: disarmed. A deadline already past fires at once. */
  if (ns > 0) {
    its.it_value.tv_sec = (time_t)(ns / 1000000000);
    its.it_value.tv_nsec = (long)(ns % 1000000000);
  }
  if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) return throw_errno(env, "timerfd_settime", errno, NULL);
  return NULL;
}

/* Expirations since the last read (0 when none: EAGAIN). */
static napi_value js_read_timer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_state(env, info, &argc, argv);
  int32_t fd;
  if (argc < 1) return throw_type(env, "readTimer(fd)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  uint64_t n = 0;
  ssize_t r = read(fd, &n, sizeof n);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return make_int(env, 0);
    return throw_errno(env, "read", errno, "timerfd");
  }
  return make_int(env, (int64_t)n);
}

/*
 * spinUntil(ns): waits on the CPU until CLOCK_MONOTONIC reaches `ns` (a bigint), at most SPIN_MAX_NS. The last
 * stretch before a takeover deadline (issue 12 §4): a sleeping process wakes 1-2 ms late on a VM, and a JavaScript
 * loop on process.hrtime.bigint() allocates ~250 KB a millisecond, and the scavenge that sets off ended the
 * wait 0.2-0.6 ms late in 8 of 12 traced takeovers. This loop allocates nothing and reads the clock through the vDSO.
 */
#define SPIN_MAX_NS 5000000LL
#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

static int64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static napi_value js_spin_until(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_state(env, info, &argc, argv);
  int64_t ns;
  if (argc < 1) return throw_type(env, "spinUntil(ns)");
  if (!get_ns(env, argv[0], &ns)) return throw_type(env, "ns must be a non-negative bigint");
  int64_t now = monotonic_ns();
  const int64_t limit = now + SPIN_MAX_NS;
  if (ns > limit) ns = limit;
  while (now < ns) {
    CPU_RELAX();
    now = monotonic_ns();
  }
  return NULL;
}

/* ---------- process events (netlink proc connector) ---------- */

/*
 * openProcEvents(): a non-blocking NETLINK_CONNECTOR socket bound to the CN_IDX_PROC group and subscribed
 * with PROC_CN_MCAST_LISTEN, as keepalived's track_process.c does (needs CAP_NET_ADMIN; the kernel refuses
 * the subscription with ECONNREFUSED outside the initial network namespace). Returns the fd.
 */
static napi_value js_open_proc_events(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  state_t *st = get_state(env, info, &argc, NULL);
  int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (fd < 0) return throw_errno(env, "socket", errno, "NETLINK_CONNECTOR");
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = CN_IDX_PROC;
  sa.nl_pid = 0; /* the kernel picks a unique port id */
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err, "CN_IDX_PROC");
  }
  unsigned char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))];
  memset(buf, 0, sizeof buf);
  struct nlmsghdr *nl = (struct nlmsghdr *)buf;
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
  nl->nlmsg_type = NLMSG_DONE;
  nl->nlmsg_pid = 0;
  struct cn_msg *cn = (struct cn_msg *)NLMSG_DATA(nl);
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->len = sizeof(enum proc_cn_mcast_op);
  enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
  memcpy(cn->data, &op, sizeof op);
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, buf, nl->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "sendto", err, "PROC_CN_MCAST_LISTEN");
  }
  track_fd(st, fd);
  return make_int(env, fd);
}

static void push_proc_event(napi_env env, napi_value arr, uint32_t *n, const char *what, uint32_t pid, uint32_t tgid) {
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_string_utf8(env, what, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, o, "what", v);
  napi_set_named_property(env, o, "pid", make_int(env, pid));
  napi_set_named_property(env, o, "tgid", make_int(env, tgid));
  napi_set_element(env, arr, (*n)++, o);
}

/*
 * recvProcEvents(fd): up to 256 datagrams waiting on an openProcEvents socket, as
 * { events: [{ what: 'fork'|'exec'|'exit'|'comm', pid, tgid }], overflow }, or null when none waits.
 * fork: the child's pid/tgid; the others: the process's. Only messages from the kernel (port 0) for the
 * proc connector are read. `overflow`: the socket's buffer overflowed (ENOBUFS), events were lost.
 */
static napi_value js_recv_proc_events(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  state_t *st = get_state(env, info, &argc, argv);
  int32_t fd;
  if (argc < 1) return throw_type(env, "recvProcEvents(fd)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t n = 0;
  int overflow = 0, got = 0;
  for (int i = 0; i < 256; i++) {
    struct sockaddr_nl from;
    socklen_t fromlen = sizeof from;
    ssize_t len = recvfrom(fd, st->buf, sizeof st->buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    if (len < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        overflow = 1;
        got = 1;
        continue;
      }
      if (errno == EINTR) continue;
      return throw_errno(env, "recvfrom", errno, NULL);
    }
    got = 1;
    if (from.nl_pid != 0) continue; /* not from the kernel */
    int rem = (int)len;
    for (struct nlmsghdr *nl = (struct nlmsghdr *)st->buf; NLMSG_OK(nl, rem); nl = NLMSG_NEXT(nl, rem)) {
      if (nl->nlmsg_type == NLMSG_NOOP || nl->nlmsg_type == NLMSG_ERROR) continue;
      if (nl->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg))) continue;
      struct cn_msg *cn = (struct cn_msg *)NLMSG_DATA(nl);
      if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
      if (nl->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(struct proc_event))) continue;
      struct proc_event ev;
      memcpy(&ev, cn->data, sizeof ev);
      switch (ev.what) {
        case PROC_EVENT_FORK:
          push_proc_event(env, arr, &n, "fork", ev.event_data.fork.child_pid, ev.event_data.fork.child_tgid);
          break;
        case PROC_EVENT_EXEC:
          push_proc_event(env, arr, &n, "exec", ev.event_data.exec.process_pid, ev.event_data.exec.process_tgid);
          break;
        case PROC_EVENT_COMM:
          push_proc_event(env, arr, &n, "comm", ev.event_data.comm.process_pid, ev.event_data.comm.process_tgid);
          break;
        case PROC_EVENT_EXIT:
          push_proc_event(env, arr, &n, "exit", ev.event_data.exit.process_pid, ev.event_data.exit.process_tgid);
          break;
        default:
          break;
      }
    }
  }
  napi_value r;
  if (!got) {
    napi_get_null(env, &r);
    return r;
  }
  napi_create_object(env, &r);
  napi_set_named_property(env, r, "events", arr);
  napi_value ov;
  napi_get_boolean(env, overflow, &ov);
  napi_set_named_property(env, r, "overflow", ov);
  return r;
}

/* ---------- openRoute() -> fd; routeRequest(fd, bytes, timeoutMs) -> errno ---------- */

/*
 * A NETLINK_ROUTE socket for requests that must complete on the takeover path (RTM_NEWADDR /
 * RTM_DELADDR of the VIPs, before the first gratuitous ARP): the kernel handles a route request inside
 * sendmsg(), so its acknowledgement is already queued when sendmsg() returns and a blocking wait for it
 * costs microseconds, where an event-loop round trip through a JavaScript netlink library cost 2-4 ms
 * (issue 12 section 4). Bound to no multicast group: only answers to our own requests arrive.
 */
static napi_value js_open_route(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  state_t *st = get_state(env, info, &argc, NULL);
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
  if (fd < 0) return throw_errno(env, "socket", errno, "NETLINK_ROUTE");
  struct sockaddr_nl sa;
  memset(&sa, 0, sizeof sa);
  sa.nl_family = AF_NETLINK;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err, "NETLINK_ROUTE");
  }
  /* Acknowledgements carry only the request's header, not its payload. */
  int one = 1;
  (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  track_fd(st, fd);
  return make_int(env, fd);
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * routeRequest(fd, bytes, timeoutMs): send one netlink request (`bytes` is a whole nlmsghdr message that
 * asks for NLM_F_ACK) and wait, at most timeoutMs, for the NLMSG_ERROR carrying its sequence number.
 * Returns 0 (acknowledged) or the positive errno the kernel answered; ETIMEDOUT when no answer came.
 * Answers to other sequence numbers (a request that timed out earlier) are skipped.
 */
static napi_value js_route_request(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  state_t *st = get_state(env, info, &argc, argv);
  int32_t fd, timeout_ms;
  void *data;
  size_t len;
  if (argc < 3) return throw_type(env, "routeRequest(fd, bytes, timeoutMs)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &fd));
  if (get_bytes(env, argv[1], &data, &len) != 0) return throw_type(env, "bytes must be a Uint8Array");
  NAPI_OK(napi_get_value_int32(env, argv[2], &timeout_ms));
  if (len < sizeof(struct nlmsghdr)) return throw_type(env, "bytes is shorter than a netlink header");
  struct nlmsghdr req;
  memcpy(&req, data, sizeof req);
  if (req.nlmsg_len != len) return throw_type(env, "nlmsg_len does not match the length of bytes");
  struct sockaddr_nl kernel;
  memset(&kernel, 0, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  ssize_t sent;
  do sent = sendto(fd, data, len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (sent < 0 && errno == EINTR);
  if (sent < 0) return throw_errno(env, "sendto", errno, "NETLINK_ROUTE");
  int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  for (;;) {
    ssize_t n = recv(fd, st->buf, sizeof st->buf, MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return throw_errno(env, "recv", errno, "NETLINK_ROUTE");
      int64_t left = deadline - mono_ms();
      if (left <= 0) return make_int(env, ETIMEDOUT);
      struct pollfd pfd = {.fd = fd, .events = POLLIN};
      if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) return throw_errno(env, "poll", errno, "NETLINK_ROUTE");
      continue;
    }
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)st->buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != req.nlmsg_seq || h->nlmsg_type != NLMSG_ERROR) continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr))) return make_int(env, EPROTO);
      const struct nlmsgerr *e = (const struct nlmsgerr *)NLMSG_DATA(h);
      return make_int(env, e->error < 0 ? -e->error : e->error);
    }
  }
}

/* ---------- env teardown ---------- */

/* ---------- spawn(file, argv, env, uid, gid), reap(pidfd) ---------- */

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* Frees a NULL-terminated array of strings built by string_array(). */
static void free_strings(char **v) {
  if (v == NULL) return;
  for (char **p = v; *p != NULL; p++) free(*p);
  free(v);
}

/* A JS array of strings as a NULL-terminated, malloc'd char* array; NULL on a bad argument or no memory. */
static char **string_array(napi_env env, napi_value arr) {
  bool is_arr = false;
  uint32_t n = 0;
  if (napi_is_array(env, arr, &is_arr) != napi_ok || !is_arr) return NULL;
  napi_get_array_length(env, arr, &n);
  char **v = calloc((size_t)n + 1, sizeof *v);
  if (v == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value e;
    size_t len = 0;
    if (napi_get_element(env, arr, i, &e) != napi_ok || napi_get_value_string_utf8(env, e, NULL, 0, &len) != napi_ok) {
      free_strings(v);
      return NULL;
    }
    v[i] = malloc(len + 1);
    if (v[i] == NULL) {
      free_strings(v);
      return NULL;
    }
    napi_get_value_string_utf8(env, e, v[i], len + 1, &len);
  }
  return v;
}

/*
 * spawn(file, argv, env, uid, gid): runs a program the way child_process.spawn does with `detached` and
 * stdio ['ignore', pipe, pipe] (own session and process group, stdin /dev/null, every signal at its default
 * and unblocked, supplementary groups dropped and gid/uid set when given (-1: keep)), but through vfork():
 * the parent's page tables are not copied, so the call takes a fraction of a millisecond however large the
 * daemon's heap (fork() from Node takes 7-18 ms on a VM, all of it with the event loop stopped). stdout and
 * stderr share one pipe. Returns { pid, pidfd, out }: a pidfd (readable once the program has exited; `reap`
 * it) and the pipe's non-blocking read end, both tracked (close() closes them). A failed exec throws its errno
 * (ENOENT, EACCES, EPERM for setuid, ...), after the child is reaped.
 * In the child, only system calls: no malloc, no locks, and setgroups/setgid/setuid as raw syscalls (glibc's
 * wrappers would signal the parent's threads, whose memory the child shares until it execs).
 */
static napi_value js_spawn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  state_t *st = get_state(env, info, &argc, argv);
  if (argc < 5) return throw_type(env, "spawn(file, argv, env, uid, gid)");
  char file[PATH_MAX];
  if (get_str(env, argv[0], file, sizeof file) != 0) return throw_type(env, "file must be a path");
  int64_t uid, gid;
  NAPI_OK(napi_get_value_int64(env, argv[3], &uid));
  NAPI_OK(napi_get_value_int64(env, argv[4], &gid));
  char **cargv = string_array(env, argv[1]);
  char **cenv = string_array(env, argv[2]);
  if (cargv == NULL || cenv == NULL || cargv[0] == NULL) {
    free_strings(cargv);
    free_strings(cenv);
    return throw_type(env, "argv and env must be arrays of strings (argv not empty)");
  }
  int out[2];
  if (pipe2(out, O_CLOEXEC) < 0) {
    int e = errno;
    free_strings(cargv);
    free_strings(cenv);
    return throw_errno(env, "pipe2", e, NULL);
  }
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    int e = errno;
    close(out[0]);
    close(out[1]);
    free_strings(cargv);
    free_strings(cenv);
    return throw_errno(env, "open", e, "/dev/null");
  }
  sigset_t all, old, none;
  sigfillset(&all);
  sigemptyset(&none);
  /* No handler of the parent may run in the child (it would write to the parent's memory): all signals stay
     blocked until the child has put every disposition back to its default. */
  pthread_sigmask(SIG_BLOCK, &all, &old);
  volatile int child_err = 0;
  const char *volatile child_step = "execve";
  pid_t pid = vfork();
  if (pid == 0) {
    for (int s = 1; s < NSIG; s++) {
      if (s == SIGKILL || s == SIGSTOP) continue;
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = SIG_DFL;
      sigaction(s, &sa, NULL); /* glibc's own signals answer EINVAL: nothing to reset there */
    }
    if (setsid() < 0) {
      child_step = "setsid";
      goto fail;
    }
    if (dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0) {
      child_step = "dup2";
      goto fail;
    }
    if ((uid >= 0 || gid >= 0) && syscall(SYS_setgroups, 0, NULL) < 0 && errno != EPERM) {
      child_step = "setgroups";
      goto fail;
    }
    if (gid >= 0 && syscall(SYS_setgid, (gid_t)gid) < 0) {
      child_step = "setgid";
      goto fail;
    }
    if (uid >= 0 && syscall(SYS_setuid, (uid_t)uid) < 0) {
      child_step = "setuid";
      goto fail;
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, (size_t)(_NSIG / 8));
    execvpe(file, cargv, cenv);
    child_step = "execve";
  fail:
    child_err = errno;
    _exit(127);
  }
  int vfork_err = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(out[1]);
  close(devnull);
  free_strings(cargv);
  free_strings(cenv);
  if (pid < 0) {
    close(out[0]);
    return throw_errno(env, "vfork", vfork_err, NULL);
  }
  if (child_err != 0) {
    int e = child_err;
    close(out[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    return throw_errno(env, (const char *)child_step, e, file);
  }
  /* The child has exec'ed: it runs, or is a zombie no one else reaps (libuv waits only for its own pids). */
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    int e = errno;
    kill(-pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
    close(out[0]);
    return throw_errno(env, "pidfd_open", e, NULL);
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
  track_fd(st, pidfd);
  track_fd(st, out[0]);
  napi_value obj;
  napi_create_object(env, &obj);
  napi_set_named_property(env, obj, "pid", make_int(env, pid));
  napi_set_named_property(env, obj, "pidfd", make_int(env, pidfd));
  napi_set_named_property(env, obj, "out", make_int(env, out[0]));
  return obj;
}

/* reap(pidfd): null while the program runs; once it has exited, { code } or { signal } (and it is reaped). */
static napi_value js_reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  get_state(env, info, &argc, argv);
  int32_t pidfd;
  if (argc < 1) return throw_type(env, "reap(pidfd)");
  NAPI_OK(napi_get_value_int32(env, argv[0], &pidfd));
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int rc;
  do {
    rc = waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) return throw_errno(env, "waitid", errno, NULL);
  napi_value res;
  if (si.si_pid == 0) {
    napi_get_null(env, &res);
    return res;
  }
  napi_create_object(env, &res);
  if (si.si_code == CLD_EXITED) napi_set_named_property(env, res, "code", make_int(env, si.si_status));
  else napi_set_named_property(env, res, "signal", make_int(env, si.si_status));
  return res;
}

static void cleanup(void *arg) {
  state_t *st = (state_t *)arg;
  /* Handles are closed asynchronously; their memory is freed by the loop if it runs again. */
  while (st->watchers != NULL) {
    watcher_t *w = st->watchers;
    st->watchers = w->next;
    uv_poll_stop(&w->poll);
    w->cb = NULL;
    uv_close((uv_handle_t *)&w->poll, WATCHER_FREE);
  }
  while (st->sigwatches != NULL) {
    sigwatch_t *w = st->sigwatches;
    st->sigwatches = w->next;
    uv_signal_stop(&w->sig);
    w->cb = NULL;
    uv_close((uv_handle_t *)&w->sig, WATCHER_FREE);
  }
  for (size_t i = 0; i < st->nfds; i++) close(st->fds[i]);
  free(st->fds);
  free(st);
}

#define EXPORT(name, fn)                                              \
  do {                                                                \
    napi_value f;                                                     \
    napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, st, &f);    \
    napi_set_named_property(env, exports, name, f);                   \
  } while (0)

NAPI_MODULE_INIT() {
  state_t *st = calloc(1, sizeof *st);
  if (st == NULL) return NULL;
  napi_add_env_cleanup_hook(env, cleanup, st);
  EXPORT("ifIndex", js_if_index);
  EXPORT("ifMac", js_if_mac);
  EXPORT("openRaw", js_open_raw);
  EXPORT("membership", js_membership);
  EXPORT("sendRaw", js_send_raw);
  EXPORT("recvRaw", js_recv_raw);
  EXPORT("openPacket", js_open_packet);
  EXPORT("sendFrame", js_send_frame);
  EXPORT("openArp", js_open_arp);
  EXPORT("recvFrame", js_recv_frame);
  EXPORT("watch", js_watch);
  EXPORT("unwatch", js_unwatch);
  EXPORT("close", js_close);
  EXPORT("openCount", js_open_count);
  EXPORT("watchSignal", js_watch_signal);
  EXPORT("sigrtmin", js_sigrtmin);
  EXPORT("peerCred", js_peer_cred);
  EXPORT("sdNotify", js_sd_notify);
  EXPORT("openUnixDgram", js_open_unix_dgram);
  EXPORT("recvUnixDgram", js_recv_unix_dgram);
  EXPORT("openTimer", js_open_timer);
  EXPORT("armTimer", js_arm_timer);
  EXPORT("readTimer", js_read_timer);
  EXPORT("spinUntil", js_spin_until);
  EXPORT("openProcEvents", js_open_proc_events);
  EXPORT("recvProcEvents", js_recv_proc_events);
  EXPORT("openRoute", js_open_route);
  EXPORT("routeRequest", js_route_request);
  EXPORT("spawn", js_spawn);
  EXPORT("reap", js_reap);
  return exports;
}
