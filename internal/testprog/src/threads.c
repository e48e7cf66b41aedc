/* threads: many tracees making tight syscalls at once.
 *
 *   threads [-t THREADS] [-n CALLS] [-r]
 *
 * Starts THREADS threads (default 8), named worker-0..N-1; each makes
 * exactly CALLS syscalls (default 50000), alternating getppid and a
 * one-byte read of /dev/zero, both through syscall(2) so libc adds or
 * caches none. The main thread opens /dev/zero once and only waits.
 * -r reports on stderr how long the threads took, from the first one's
 * start to the last one's join ("…, S s", as dd reports its copy): a
 * tracer's start-up and exit are not in it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long calls = 50000;
static int zero = -1;

static void *worker(void *arg) {
  char name[16], b;
  snprintf(name, sizeof name, "worker-%ld", (long)arg);
  prctl(PR_SET_NAME, name);
  for (long i = 0; i < calls; i++) {
    if (i & 1)
      syscall(SYS_read, zero, &b, 1);
    else
      syscall(SYS_getppid);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = 8, report = 0, c;
  while ((c = getopt(argc, argv, "t:n:r")) != -1) {
    switch (c) {
    case 't': threads = atoi(optarg); break;
    case 'n': calls = atol(optarg); break;
    case 'r': report = 1; break;
    default: return 2;
    }
  }
  if (threads < 1 || calls < 0) return 2;
  zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
  if (zero < 0) {
    perror("threads: /dev/zero");
    return 1;
  }
  pthread_t tids[threads];
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < threads; i++) {
    if (pthread_create(&tids[i], NULL, worker, (void *)i) != 0) {
      fprintf(stderr, "threads: pthread_create failed\n");
      return 1;
    }
  }
  for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (report)
    fprintf(stderr, "threads: %d threads of %ld calls done, %.6f s\n", threads, calls,
            (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9);
  return 0;
}
