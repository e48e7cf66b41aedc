/* Shared by the test programs: waiting until a tracer has attached. */
#ifndef TESTPROG_H
#define TESTPROG_H

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* traced says whether /proc/self/status names a tracer. */
static int traced(void) {
  char buf[4096];
  int fd = open("/proc/self/status", O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strstr(buf, "TracerPid:");
  return p && atoi(p + 10) != 0;
}

/* wait_until_traced polls every millisecond until a tracer is attached. */
static void wait_until_traced(void) {
  while (!traced()) usleep(1000);
}

#endif
