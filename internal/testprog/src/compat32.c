/* compat32: built with gcc -m32, an i386 program whose calls are numbered
 * by the i386 table when it runs on x86_64.
 *
 *   compat32 GETPPIDS ENOENTS
 *
 * Calls getppid GETPPIDS times and open("/nonexistent/...") ENOENTS times
 * (each fails with ENOENT), through syscall(2) so libc adds none, then
 * exits 0. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 3) return 2;
  long getppids = atol(argv[1]), enoents = atol(argv[2]);
  for (long i = 0; i < getppids; i++) syscall(SYS_getppid);
  for (long i = 0; i < enoents; i++) syscall(SYS_open, "/nonexistent/syscall_exporter", O_RDONLY);
  return 0;
}
