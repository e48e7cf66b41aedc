/* signals: counts SIGUSR1 with a handler that writes one 'u' per signal,
 * blocks reading stdin, and at EOF prints "count=N" and exits 0.
 * With -k MODE it instead dies: segv (null dereference) or abort. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void on_usr1(int sig) {
  (void)sig;
  count++;
  write(1, "u", 1);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "-k") == 0) {
    if (strcmp(argv[2], "segv") == 0) {
      volatile int *p = NULL;
      return *p;
    }
    abort();
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, NULL);
  write(1, "ready\n", 6);
  char b;
  while (read(0, &b, 1) != 0) {}
  char out[32];
  int n = snprintf(out, sizeof out, "\ncount=%d\n", (int)count);
  write(1, out, n);
  return 0;
}
