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
 * it once a tracer that leaves no TracerPid (the eBPF backend) follows
 * the program. The file exists from the start, so checking makes no
 * failing call. */
static int released(void) {
  const char *go = getenv("TESTPROG_GO");
  if (!go || !*go) return 0;
  char c = 0;
  int fd = open(go, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, &c, 1);
  close(fd);
  return n == 1 && c == '1';
}

/* wait_until_traced polls every millisecond until a tracer is attached,
 * or the test says so. */
static void wait_until_traced(void) {
  while (!traced() && !released()) usleep(1000);
}

#endif
