/* burst: a steady mix of calls with a few errors, and on demand a burst of
 * errors, for the end-to-end test of the dashboards and the error-spike
 * alert.
 *
 *   burst SECONDS
 *
 * The main thread ticks every 100 ms. Each tick, steadily:
 *   openat of /dev/null (then close); every 40th tick also openat of a
 *     missing file: ENOENT at 0.25/s, 2.4% of openat, under both floors;
 *   write 1 byte to a non-blocking pipe and read it back; every 10th tick
 *     one more read: EAGAIN at 1/s, 9% of read;
 *   every 4th tick, faccessat of /dev/null.
 * Each line on stdin starts a burst of SECONDS seconds; its ticks add
 *   10 openat of the missing file: ENOENT at 100/s, 91% of openat;
 *   10 reads of the empty pipe: EAGAIN at 100/s, 91% of read, which only
 *     the alert's benign-errno exclusion keeps quiet;
 *   every 30th tick, faccessat of the missing file: ENOENT at 0.33/s, 12%
 *     of faccessat, which only the 1 error/s floor keeps quiet.
 * The thread "trigger" reads stdin; at EOF the program exits 0. Every
 * counted call goes through syscall(2) so libc adds or caches none. Prints
 * "ready" once ticking. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS 100000000L

static const char *existing = "/dev/null";
static const char *missing = "/nonexistent/syscall_exporter-burst";

static long burst_ns;
static atomic_long burst_until; /* CLOCK_MONOTONIC ns */

static long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void *trigger(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "trigger");
  char c;
  for (;;) {
    long n = syscall(SYS_read, 0, &c, 1);
    if (n <= 0) exit(0);
    if (c == '\n') atomic_store(&burst_until, now_ns() + burst_ns);
  }
}

static void open_close(const char *path) {
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) syscall(SYS_close, fd);
}

int main(int argc, char **argv) {
  if (argc != 2 || atol(argv[1]) <= 0) {
    fprintf(stderr, "usage: burst SECONDS\n");
    return 2;
  }
  burst_ns = atol(argv[1]) * 1000000000L;
  int p[2];
  if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) {
    perror("pipe2");
    return 1;
  }
  pthread_t tid;
  pthread_create(&tid, NULL, trigger, NULL);
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");

  char b = 'x';
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (long tick = 0;; tick++) {
    int bursting = now_ns() < atomic_load(&burst_until);

    open_close(existing);
    if (tick % 40 == 0) open_close(missing);
    syscall(SYS_write, p[1], &b, 1);
    syscall(SYS_read, p[0], &b, 1);
    if (tick % 10 == 0) syscall(SYS_read, p[0], &b, 1);
    if (tick % 4 == 0) syscall(SYS_faccessat, AT_FDCWD, existing, F_OK);

    if (bursting) {
      for (int i = 0; i < 10; i++) {
        open_close(missing);
        syscall(SYS_read, p[0], &b, 1);
      }
      if (tick % 30 == 0) syscall(SYS_faccessat, AT_FDCWD, missing, F_OK);
    }

    next.tv_nsec += TICK_NS;
    if (next.tv_nsec >= 1000000000L) {
      next.tv_sec++;
      next.tv_nsec -= 1000000000L;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
}
