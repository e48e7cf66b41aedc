/* eintr: calls a signal interrupts, and what the program sees of them.
 *
 * A SIGALRM handler without SA_RESTART, a one-shot 50 ms timer before
 * each of pause, rt_sigsuspend, nanosleep(1 s) and a read of an empty
 * pipe: each returns -1/EINTR. Then a read under SA_RESTART, whose
 * handler writes the byte it waits for: restarted, it returns 1. Each
 * result is printed as "NAME RET ERRNO" (ERRNO 0 on success).
 *
 *   -j  the handler siglongjmps out of a nanosleep: it never returns
 *   -j -w  the same, but first prints "ready" and waits for EOF on stdin
 *       (to be attached to), and at the end pauses until killed
 *   -n  nested: the handler's own nanosleep is interrupted by a second
 *       SIGALRM (SA_NODEFER), then the pause it interrupted returns EINTR
 *   -n N  the same, N handlers deep, each interrupting the nanosleep of
 *       the one before: N+1 interrupted calls, all returning EINTR
 *
 * Raw syscalls, so that each is the call its name says (glibc's
 * nanosleep is clock_nanosleep). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static sigjmp_buf jump;
static volatile sig_atomic_t mode, depth, nesting = 1;

static void arm(long ms) {
  struct itimerval t = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
  setitimer(ITIMER_REAL, &t, NULL);
}

static void on_alarm(int sig) {
  (void)sig;
  switch (mode) {
  case 'w': /* restarted read: give it its byte */
    write(pipefd[1], "x", 1);
    break;
  case 'j':
    siglongjmp(jump, 1);
  case 'n':
    if (depth++ < nesting) {
      arm(50);
      struct timespec ts = {1, 0};
      long r = syscall(SYS_nanosleep, &ts, NULL);
      printf("inner-nanosleep %ld %d\n", r, r < 0 ? errno : 0);
    }
    break;
  }
}

static void handle(int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = flags;
  sigaction(SIGALRM, &sa, NULL);
}

static void report(const char *name, long r) {
  printf("%s %ld %d\n", name, r, r < 0 ? errno : 0);
  fflush(stdout);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct timespec second = {1, 0};
  if (argc > 1 && strcmp(argv[1], "-j") == 0) {
    int wait = argc > 2 && strcmp(argv[2], "-w") == 0;
    char b;
    if (wait) {
      report("ready", 0);
      while (read(0, &b, 1) > 0) {
      }
    }
    handle(0);
    mode = 'j';
    if (sigsetjmp(jump, 1) == 0) {
      arm(50);
      report("nanosleep", syscall(SYS_nanosleep, &second, NULL));
    }
    mode = 0;
    report("getppid", syscall(SYS_getppid));
    if (wait)
      syscall(SYS_pause);
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "-n") == 0) {
    if (argc > 2)
      nesting = atoi(argv[2]);
    handle(SA_NODEFER);
    mode = 'n';
    arm(50);
    report("pause", syscall(SYS_pause));
    return 0;
  }

  handle(0);
  arm(50);
  report("pause", syscall(SYS_pause));
  sigset_t none;
  sigemptyset(&none);
  arm(50);
  report("rt_sigsuspend", syscall(SYS_rt_sigsuspend, &none, 8)); /* the kernel's sigset: 64 bits */
  arm(50);
  report("nanosleep", syscall(SYS_nanosleep, &second, NULL));
  pipe(pipefd);
  char b;
  arm(50);
  report("read", syscall(SYS_read, pipefd[0], &b, 1));

  handle(SA_RESTART);
  mode = 'w';
  arm(50);
  report("read", syscall(SYS_read, pipefd[0], &b, 1));
  return 0;
}
