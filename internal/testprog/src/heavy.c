/* heavy: a syscall-heavy run whose output depends only on its arguments,
 * so a traced run can be compared byte for byte with an untraced one.
 *
 *   heavy [-w] [-t THREADS] [-n ITERATIONS] [-x EXIT_CODE]
 *
 * Each thread repeats getppid, openat of a missing file (ENOENT), write of
 * one byte to /dev/null and read of one byte from /dev/zero, and checks
 * every result: a call failing with ENOSYS (what a syscall skipped by a
 * vanished tracer returns) or any other wrong result is counted. -w waits
 * until a tracer is attached. Prints "ready", a line per thread, then
 * exits with EXIT_CODE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "testprog.h"

static long iterations = 3000;
static int devnull, devzero;
static pid_t parent;

struct result {
  long calls, enosys, wrong;
};

static void check(struct result *r, long ret, long want) {
  r->calls++;
  if (ret == -1 && errno == ENOSYS) r->enosys++;
  else if (ret != want) r->wrong++;
}

static void *worker(void *arg) {
  struct result *r = arg;
  char b;
  for (long i = 0; i < iterations; i++) {
    check(r, syscall(SYS_getppid), parent);
    long fd = syscall(SYS_openat, AT_FDCWD, "/nonexistent/syscall_exporter", O_RDONLY);
    check(r, fd == -1 && errno == ENOENT ? 0 : -2, 0);
    check(r, syscall(SYS_write, devnull, "x", 1), 1);
    check(r, syscall(SYS_read, devzero, &b, 1), 1);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = 4, exit_code = 0, wait_tracer = 0, c;
  while ((c = getopt(argc, argv, "wt:n:x:")) != -1) {
    switch (c) {
    case 'w': wait_tracer = 1; break;
    case 't': threads = atoi(optarg); break;
    case 'n': iterations = atol(optarg); break;
    case 'x': exit_code = atoi(optarg); break;
    default: return 2;
    }
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  parent = getppid();
  devnull = open("/dev/null", O_WRONLY);
  devzero = open("/dev/zero", O_RDONLY);
  printf("ready\n");
  if (wait_tracer) wait_until_traced();
  pthread_t tids[threads];
  struct result results[threads];
  memset(results, 0, sizeof results);
  for (int i = 0; i < threads; i++) pthread_create(&tids[i], NULL, worker, &results[i]);
  for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
  for (int i = 0; i < threads; i++)
    printf("thread %d: calls=%ld enosys=%ld wrong=%ld\n", i, results[i].calls, results[i].enosys, results[i].wrong);
  return exit_code;
}
