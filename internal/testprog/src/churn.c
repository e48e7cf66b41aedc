/* churn: creates short-lived threads, BATCH at a time, and joins them.
 *
 *   churn [-w] [-n TOTAL] [-b BATCH] [-g GETPPIDS] [-p PAUSE_AT] [-u] [-l]
 *
 * Every thread names itself with prctl(PR_SET_NAME) — "churner", or with
 * -u a name of its own ("u0".."u49999") — calls getppid GETPPIDS times and
 * exits. After PAUSE_AT threads it prints "joined N" and waits for a line
 * on stdin before going on; at the end it prints "joined TOTAL" and, with
 * -l, waits for EOF before exiting 0. -w waits until a tracer is attached. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "testprog.h"

static long getppids = 2;
static int unique;

static void *worker(void *arg) {
  char name[16];
  if (unique) snprintf(name, sizeof name, "u%ld", (long)arg);
  else strcpy(name, "churner");
  prctl(PR_SET_NAME, name);
  for (long i = 0; i < getppids; i++) syscall(SYS_getppid);
  return NULL;
}

static void pause_line(long joined) {
  printf("joined %ld\n", joined);
  char b;
  while (read(0, &b, 1) == 1 && b != '\n') {}
}

int main(int argc, char **argv) {
  long total = 10000, batch = 50, pause_at = -1;
  int wait_tracer = 0, linger = 0, c;
  while ((c = getopt(argc, argv, "wn:b:g:p:ul")) != -1) {
    switch (c) {
    case 'w': wait_tracer = 1; break;
    case 'n': total = atol(optarg); break;
    case 'b': batch = atol(optarg); break;
    case 'g': getppids = atol(optarg); break;
    case 'p': pause_at = atol(optarg); break;
    case 'u': unique = 1; break;
    case 'l': linger = 1; break;
    default: return 2;
    }
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");
  if (wait_tracer) wait_until_traced();
  pthread_t *tids = calloc(batch, sizeof *tids);
  for (long done = 0; done < total;) {
    long n = total - done < batch ? total - done : batch;
    for (long i = 0; i < n; i++)
      if (pthread_create(&tids[i], NULL, worker, (void *)(done + i)) != 0) {
        printf("pthread_create failed\n");
        return 1;
      }
    for (long i = 0; i < n; i++) pthread_join(tids[i], NULL);
    done += n;
    if (done == pause_at) pause_line(done);
  }
  printf("joined %ld\n", total);
  if (linger) {
    char b;
    while (read(0, &b, 1) > 0) {}
  }
  return 0;
}
