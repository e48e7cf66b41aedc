/* forkstorm: starts TOTAL children, at most BATCH at once, and reaps them.
 *
 *   forkstorm [-w] [-n TOTAL] [-b BATCH] [-v EVERY] [-g GETPPIDS] [-l]
 *
 * Every EVERY-th child is made with vfork and execs this program again
 * (as "forkstorm -c GETPPIDS"); the others with fork. Each child calls
 * getppid GETPPIDS times and exits 0 through exit_group. Prints "ready",
 * then "children=N failed=F" once all are reaped; -l then waits for EOF
 * on stdin. -w waits until a tracer is attached. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testprog.h"

static void child(long getppids) {
  for (long i = 0; i < getppids; i++) syscall(SYS_getppid);
  syscall(SYS_exit_group, 0);
}

int main(int argc, char **argv) {
  long total = 1000, batch = 20, every = 10, getppids = 3;
  int wait_tracer = 0, linger = 0, c;
  if (argc == 3 && strcmp(argv[1], "-c") == 0) child(atol(argv[2]));
  while ((c = getopt(argc, argv, "wn:b:v:g:l")) != -1) {
    switch (c) {
    case 'w': wait_tracer = 1; break;
    case 'n': total = atol(optarg); break;
    case 'b': batch = atol(optarg); break;
    case 'v': every = atol(optarg); break;
    case 'g': getppids = atol(optarg); break;
    case 'l': linger = 1; break;
    default: return 2;
    }
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");
  if (wait_tracer) wait_until_traced();
  char count[24];
  snprintf(count, sizeof count, "%ld", getppids);
  long started = 0, reaped = 0, failed = 0;
  while (reaped < total) {
    if (started < total && started - reaped < batch) {
      pid_t pid;
      if (every > 0 && started % every == 0) {
        pid = vfork();
        if (pid == 0) {
          execl("/proc/self/exe", "forkstorm", "-c", count, (char *)NULL);
          _exit(127);
        }
      } else {
        pid = fork();
        if (pid == 0) child(getppids);
      }
      if (pid < 0) {
        failed++;
        total--;
        continue;
      }
      started++;
      continue;
    }
    int st;
    if (wait(&st) < 0) break;
    reaped++;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failed++;
  }
  printf("children=%ld failed=%ld\n", reaped, failed);
  if (linger) {
    char b;
    while (read(0, &b, 1) > 0) {}
  }
  return 0;
}
