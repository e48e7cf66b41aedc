/* workload: makes an exactly known number of syscalls, by named thread.
 * Every counted call goes through syscall(2) so libc adds or caches none.
 *
 *   workload [-w] [-t THREADS] [-g GETPPIDS] [-e ENOENTS] [-s SLEEPS]
 *            [-m SLEEP_MS] [-f FORK_GETPPIDS] [-x EXEC_PATH] [-l]
 *            [-G] [-n NAME] [-T TERM_MS]
 *
 * -G  first wait for SIGUSR1 (prints "gated" when waiting for it); with -w,
 *     a second SIGUSR1 also ends the wait for a tracer
 * -n  then name the process NAME (its comm, which discovery matches)
 * -w  wait until a tracer is attached (testprog.h: followed) before working
 * -l  after the work, loop on getppid until stdin reaches EOF, then exit 0
 * -T  after the work, wait for SIGTERM; then print "terminating traced=0|1",
 *     sleep TERM_MS, print "exiting" and exit 0 (a container's shutdown)
 * Threads are named getter-0..N-1 (getppid each), opener (openat ENOENT),
 * sleeper (nanosleep); the forked child is named forked, calls getppid and
 * then execs EXEC_PATH. Prints "ready" when waiting and "done" at the end. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testprog.h"

static long getppids = 1000, enoents = 7, sleeps = 3, sleep_ms = 5, fork_getppids = 50;
static const char *exec_path = "/bin/true";

static void *getter(void *arg) {
  char name[16];
  snprintf(name, sizeof name, "getter-%ld", (long)arg);
  prctl(PR_SET_NAME, name);
  for (long i = 0; i < getppids; i++) syscall(SYS_getppid);
  return NULL;
}

static void *opener(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "opener");
  for (long i = 0; i < enoents; i++) syscall(SYS_openat, AT_FDCWD, "/nonexistent/syscall_exporter", O_RDONLY);
  return NULL;
}

static void *sleeper(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "sleeper");
  struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
  for (long i = 0; i < sleeps; i++) syscall(SYS_nanosleep, &ts, NULL);
  return NULL;
}

/* usr1_pending says whether a (blocked) SIGUSR1 waits. */
static int usr1_pending(void) {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGUSR1);
}

int main(int argc, char **argv) {
  int wait_tracer = 0, linger = 0, gate = 0, threads = 4, c;
  long term_ms = -1;
  const char *name = NULL;
  while ((c = getopt(argc, argv, "wlGn:T:t:g:e:s:m:f:x:")) != -1) {
    switch (c) {
    case 'G': gate = 1; break;
    case 'n': name = optarg; break;
    case 'T': term_ms = atol(optarg); break;
    case 'w': wait_tracer = 1; break;
    case 'l': linger = 1; break;
    case 't': threads = atoi(optarg); break;
    case 'g': getppids = atol(optarg); break;
    case 'e': enoents = atol(optarg); break;
    case 's': sleeps = atol(optarg); break;
    case 'm': sleep_ms = atol(optarg); break;
    case 'f': fork_getppids = atol(optarg); break;
    case 'x': exec_path = optarg; break;
    default: return 2;
    }
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  /* Blocked here, so every thread has them blocked: they wait, pending,
   * until sigwaitinfo takes them. */
  sigset_t usr1, term;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  if (gate) sigprocmask(SIG_BLOCK, &usr1, NULL);
  if (term_ms >= 0) sigprocmask(SIG_BLOCK, &term, NULL);
  if (gate) {
    printf("gated\n");
    while (sigwaitinfo(&usr1, NULL) < 0) {}
  }
  if (name) prctl(PR_SET_NAME, name);
  if (wait_tracer) {
    printf("ready\n");
    /* Gated, a second SIGUSR1 also says a tracer follows: one that leaves
     * no TracerPid (the eBPF backend) in a pod, where no file can say so. */
    while (!followed() && !(gate && usr1_pending())) usleep(1000);
  }
  pthread_t tids[threads + 2];
  for (long i = 0; i < threads; i++) pthread_create(&tids[i], NULL, getter, (void *)i);
  pthread_create(&tids[threads], NULL, opener, NULL);
  pthread_create(&tids[threads + 1], NULL, sleeper, NULL);
  for (int i = 0; i < threads + 2; i++) pthread_join(tids[i], NULL);
  if (fork_getppids >= 0) {
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_NAME, "forked");
      for (long i = 0; i < fork_getppids; i++) syscall(SYS_getppid);
      execl(exec_path, exec_path, (char *)NULL);
      _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
  }
  printf("done\n");
  if (term_ms >= 0) {
    while (sigwaitinfo(&term, NULL) < 0) {}
    printf("terminating traced=%d\n", traced());
    struct timespec ts = {term_ms / 1000, (term_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    printf("exiting\n");
    return 0;
  }
  if (linger) {
    char b;
    while (read(0, &b, 1) > 0) {}
  }
  return 0;
}
