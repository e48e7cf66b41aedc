/* busy: many threads kept busy three ways until stdin reaches EOF.
 *
 *   busy [-t THREADS] [-f]
 *
 * Thread i loops on getppid (i%3 == 0), spins in user space (1), or
 * sleeps 1 ms at a time in nanosleep (2). -f also forks a child in the same
 * process group that loops on getppid. Prints "ready" once every thread
 * runs; at EOF it stops and joins them all, prints "joined=N", ends the
 * child and exits 0. A thread left stopped makes it hang instead. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop, running;

static void *worker(void *arg) {
  long kind = (long)arg % 3;
  char name[16];
  snprintf(name, sizeof name, "busy-%s", kind == 0 ? "sys" : kind == 1 ? "spin" : "sleep");
  prctl(PR_SET_NAME, name);
  atomic_fetch_add(&running, 1);
  volatile unsigned long n = 0;
  struct timespec ms = {0, 1000000};
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    if (kind == 0) syscall(SYS_getppid);
    else if (kind == 1) for (int i = 0; i < 1000; i++) n++;
    else nanosleep(&ms, NULL);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int threads = 200, fork_child = 0, c;
  while ((c = getopt(argc, argv, "t:f")) != -1) {
    switch (c) {
    case 't': threads = atoi(optarg); break;
    case 'f': fork_child = 1; break;
    default: return 2;
    }
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t child = 0;
  if (fork_child && (child = fork()) == 0) {
    prctl(PR_SET_NAME, "busy-child");
    for (;;) syscall(SYS_getppid);
  }
  pthread_t *tids = calloc(threads, sizeof *tids);
  for (long i = 0; i < threads; i++) pthread_create(&tids[i], NULL, worker, (void *)i);
  while (atomic_load(&running) < threads) usleep(1000);
  printf("ready\n");
  char b;
  while (read(0, &b, 1) > 0) {}
  atomic_store(&stop, 1);
  for (int i = 0; i < threads; i++) pthread_join(tids[i], NULL);
  if (child > 0) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
  }
  printf("joined=%d\n", threads);
  return 0;
}
