/* Shared by the test programs: who traces a thread, and waiting until a
 * tracer has attached. */
#ifndef TESTPROG_H
#define TESTPROG_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* tracer_of returns the TracerPid in a /proc status file, -1 if it
 * cannot be read (the thread is gone). */
static int tracer_of(const char *status) {
  char buf[4096];
  int fd = open(status, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *p = strstr(buf, "TracerPid:");
  return p ? atoi(p + 10) : -1;
}

/* traced says whether /proc/self/status names a tracer. */
static int traced(void) { return tracer_of("/proc/self/status") > 0; }

/* released says whether the file $TESTPROG_GO holds "1": a test writes
 * it once the tracer follows the program. The file exists from the
 * start, so checking makes no failing call. */
static int released(void) {
  const char *go = getenv("TESTPROG_GO");
  char c = 0;
  int fd = open(go, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, &c, 1);
  close(fd);
  return n == 1 && c == '1';
}

/* followed says whether a tracer sees this program's calls. A test that
 * sets $TESTPROG_GO says so through that file: a TracerPid shows from
 * PTRACE_SEIZE on, a moment before the tracer's first stop, and calls in
 * that moment go unseen; an eBPF tracer leaves no TracerPid at all.
 * Without it, a TracerPid is enough (a tracer that launched us). */
static int followed(void) {
  const char *go = getenv("TESTPROG_GO");
  if (go && *go) return released();
  return traced();
}

/* wait_until_traced polls every millisecond until a tracer follows. */
static void wait_until_traced(void) {
  while (!followed()) usleep(1000);
}

#endif
