/* crash: prints "ready", waits for one byte on stdin, then dies of MODE:
 * segv (a null pointer dereference) or abort (SIGABRT from abort(3)). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  write(1, "ready\n", 6);
  char b;
  if (read(0, &b, 1) != 1) return 3;
  if (strcmp(argv[1], "segv") == 0) {
    volatile int *p = NULL;
    return *p;
  }
  abort();
}
