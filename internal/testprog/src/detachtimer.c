/* detachtimer: how long a tracer takes to let a process go after SIGTERM.
 *
 *   detachtimer TRACER_PID TARGET_PID
 *
 * Sends TRACER_PID SIGTERM, then reads TracerPid of TARGET_PID's main
 * thread every 200 µs, and once it is 0 that of every thread every
 * millisecond, until none is traced; prints
 * "detached NS threads=N" (N: threads seen at the last look), or
 * "traced N" after 10 s with N threads still traced. Exit 0 either way;
 * 2 on bad use.
 *
 * A Go test cannot time this itself with a busy target on every CPU: a
 * goroutine that sleeps is woken by another thread of the runtime, which
 * waits for a CPU behind the target's threads like any other. This
 * program raises its own priority (root) and sleeps in the kernel, so it
 * looks when it means to. */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "testprog.h"

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* given_up says whether 10 s have passed since start. */
static int given_up(long long start) { return now_ns() - start > 10000000000LL; }

/* still_traced counts the threads listed in task_dir that name a tracer. */
static int still_traced(const char *task_dir, int *threads) {
  DIR *d = opendir(task_dir);
  if (!d) return 0; /* gone: nothing is traced */
  int traced_threads = 0;
  *threads = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char path[384];
    snprintf(path, sizeof path, "%s/%s/status", task_dir, e->d_name);
    int tracer = tracer_of(path);
    if (tracer < 0) continue; /* gone */
    ++*threads;
    if (tracer != 0) traced_threads++;
  }
  closedir(d);
  return traced_threads;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: detachtimer TRACER_PID TARGET_PID\n");
    return 2;
  }
  pid_t tracer = atoi(argv[1]);
  char task_dir[64], main_status[64];
  snprintf(task_dir, sizeof task_dir, "/proc/%d/task", atoi(argv[2]));
  snprintf(main_status, sizeof main_status, "/proc/%d/status", atoi(argv[2]));
  if (setpriority(PRIO_PROCESS, 0, -20) != 0) perror("setpriority");
  struct timespec tick = {0, 200000}, scan_tick = {0, 1000000};
  long long start = now_ns();
  if (kill(tracer, SIGTERM) != 0) {
    perror("kill");
    return 2;
  }
  int threads = 0, left;
  /* Reading every thread's status takes milliseconds of CPU with 200
   * threads: look at one until it is free. */
  while (tracer_of(main_status) > 0 && !given_up(start))
    nanosleep(&tick, NULL);
  while ((left = still_traced(task_dir, &threads)) > 0) {
    if (given_up(start)) {
      printf("traced %d\n", left);
      return 0;
    }
    nanosleep(&scan_tick, NULL);
  }
  printf("detached %lld threads=%d\n", now_ns() - start, threads);
  return 0;
}
