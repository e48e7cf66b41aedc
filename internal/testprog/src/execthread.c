/* execthread: a thread other than the leader calls execve.
 *
 *   execthread [-w] [-g WORKER_GETPPIDS] [-e EXECER_GETPPIDS] [-a AFTER_GETPPIDS]
 *
 * Thread "worker" calls getppid WORKER_GETPPIDS times, then sleeps; thread
 * "execer" then calls getppid EXECER_GETPPIDS times and execs this program
 * again while the leader waits in pthread_join. The new image names itself
 * "after", calls getppid AFTER_GETPPIDS times, prints "after", and exits 0
 * at EOF on stdin. -w waits until a tracer is attached. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "testprog.h"

static long worker_getppids = 100, execer_getppids = 200, after_getppids = 300;
static atomic_int worker_done;

static void *worker(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "worker");
  for (long i = 0; i < worker_getppids; i++) syscall(SYS_getppid);
  atomic_store(&worker_done, 1);
  for (;;) pause();
  return NULL;
}

static void *execer(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "execer");
  while (!atomic_load(&worker_done)) usleep(1000);
  for (long i = 0; i < execer_getppids; i++) syscall(SYS_getppid);
  char n[24];
  snprintf(n, sizeof n, "%ld", after_getppids);
  execl("/proc/self/exe", "execthread", "-A", n, (char *)NULL);
  printf("exec failed\n");
  exit(1);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc == 3 && strcmp(argv[1], "-A") == 0) {
    prctl(PR_SET_NAME, "after");
    for (long i = 0, n = atol(argv[2]); i < n; i++) syscall(SYS_getppid);
    printf("after\n");
    char b;
    while (read(0, &b, 1) > 0) {}
    return 0;
  }
  int wait_tracer = 0, c;
  while ((c = getopt(argc, argv, "wg:e:a:")) != -1) {
    switch (c) {
    case 'w': wait_tracer = 1; break;
    case 'g': worker_getppids = atol(optarg); break;
    case 'e': execer_getppids = atol(optarg); break;
    case 'a': after_getppids = atol(optarg); break;
    default: return 2;
    }
  }
  printf("ready\n");
  if (wait_tracer) wait_until_traced();
  pthread_t w, e;
  pthread_create(&w, NULL, worker, NULL);
  pthread_create(&e, NULL, execer, NULL);
  pthread_join(e, NULL);
  return 1;
}
