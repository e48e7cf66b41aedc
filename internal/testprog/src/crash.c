/* crash: prints "ready", waits for one byte on stdin, then dies of MODE:
 * segv (a null pointer dereference), abort (SIGABRT from abort(3)), or
 * threads (a thread named "sleeper" sleeps in nanosleep, then the main
 * thread dereferences NULL). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *sleeper(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "sleeper");
  struct timespec ts = {3600, 0};
  syscall(SYS_nanosleep, &ts, NULL);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  if (strcmp(argv[1], "threads") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, sleeper, NULL);
  }
  write(1, "ready\n", 6);
  char b;
  if (read(0, &b, 1) != 1) return 3;
  if (strcmp(argv[1], "segv") == 0 || strcmp(argv[1], "threads") == 0) {
    volatile int *p = NULL;
    return *p;
  }
  abort();
}
