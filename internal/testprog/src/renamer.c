/* renamer: renames itself by writing its own comm file, not with prctl.
 *
 *   renamer NAME CALLS
 *
 * Prints "ready", waits for a line on stdin, opens /proc/self/comm, writes
 * NAME through that descriptor and closes it, calls getppid CALLS times,
 * prints "renamed", and exits 0 at EOF on stdin. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("ready\n");
  char b;
  while (read(0, &b, 1) == 1 && b != '\n') {}
  int fd = open("/proc/self/comm", O_WRONLY);
  if (fd < 0 || write(fd, argv[1], strlen(argv[1])) < 0) return 1;
  close(fd);
  for (long i = 0, n = atol(argv[2]); i < n; i++) syscall(SYS_getppid);
  printf("renamed\n");
  while (read(0, &b, 1) > 0) {}
  return 0;
}
