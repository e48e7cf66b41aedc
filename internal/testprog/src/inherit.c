/* inherit: threads and processes that keep the name they were born with.
 * A thread renamed "spawner" makes a thread (11 getppid) and forks a child
 * (13 getppid) that makes a thread of its own (17 getppid); none of them
 * renames itself, so each has the name the kernel copied from its maker:
 * thread "spawner" of process "inherit", then process "spawner".
 * Prints "ready", waits for a tracer, prints "done" and lingers until
 * stdin reaches EOF. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testprog.h"

static void *getppids(void *n) {
  for (long i = 0; i < (long)n; i++) syscall(SYS_getppid);
  return NULL;
}

static void *spawner(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "spawner");
  pthread_t t;
  pthread_create(&t, NULL, getppids, (void *)11L);
  pthread_join(t, NULL);
  pid_t pid = fork();
  if (pid == 0) {
    getppids((void *)13L);
    pthread_create(&t, NULL, getppids, (void *)17L);
    pthread_join(t, NULL);
    syscall(SYS_exit_group, 0);
  }
  int status;
  waitpid(pid, &status, 0);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");
  wait_until_traced();
  pthread_t t;
  pthread_create(&t, NULL, spawner, NULL);
  pthread_join(t, NULL);
  printf("done\n");
  char c;
  while (read(0, &c, 1) > 0) {
  }
  return 0;
}
