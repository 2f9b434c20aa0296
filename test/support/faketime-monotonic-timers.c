/* LD_PRELOAD'ed before libfaketime by test/support/faketime.ts. libfaketime 0.9.10 shifts the deadline of
 * every TFD_TIMER_ABSTIME timerfd_settime by its fake offset as if the timer were on CLOCK_REALTIME
 * ("only CLOCK_REALTIME is handled"), so a CLOCK_MONOTONIC timerfd armed while the fake clock is an hour
 * behind fires an hour late, and one armed an hour ahead fires at once. A real step of the wall clock
 * (`date -s`) moves no CLOCK_MONOTONIC timer: this shim gives monotonic timerfds straight to the kernel and
 * leaves realtime ones (which a real step does move) to libfaketime. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 65536
static unsigned char realtime_fd[MAX_FD];

int timerfd_create(int clockid, int flags) {
  int fd = (int)syscall(SYS_timerfd_create, clockid, flags);
  if (fd >= 0 && fd < MAX_FD) realtime_fd[fd] = clockid == CLOCK_REALTIME || clockid == CLOCK_REALTIME_ALARM;
  return fd;
}

int timerfd_settime(int fd, int flags, const struct itimerspec *value, struct itimerspec *old) {
  if (fd >= 0 && fd < MAX_FD && realtime_fd[fd]) {
    int (*next)(int, int, const struct itimerspec *, struct itimerspec *) = (int (*)(int, int, const struct itimerspec *, struct itimerspec *))dlsym(RTLD_NEXT, "timerfd_settime");
    if (next) return next(fd, flags, value, old);
  }
  return (int)syscall(SYS_timerfd_settime, fd, flags, value, old);
}
