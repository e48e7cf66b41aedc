/* decodecalls: makes every syscall package decode formats, failing and
 * succeeding, so a test can hold each formatted line to strace's.
 *
 *   decodecalls DIR UDP_PORT_A UDP_PORT_B TCP_PORT
 *
 * DIR must exist and be empty; the ports must be free on 127.0.0.1. Two
 * runs with the same arguments and environment make the same calls with
 * the same arguments: the program re-execs itself with ASLR off (so every
 * address is the same), puts /dev/null on fds 0-2 and closes the rest.
 * The calls to compare start after write(-1, "decodecalls: begin", 18);
 * each process it forks is compared whole. Raw syscall(2) where libc
 * would pick another call than the one named. Single-threaded, so strace
 * -f interleaves only processes, each of which runs alone. Built with
 * -m32 it makes the same calls by their i386 names. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <linux/openat2.h>
#ifdef __x86_64__
# include <asm/prctl.h>
#endif
#include <linux/sched.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <linux/netlink.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifdef __i386__
/* i386 names these otherwise: the 64-bit stat and fcntl, mmap taking its
 * offset in pages; pread64 takes its offset in two registers. */
# define SYS_STAT SYS_stat64
# define SYS_LSTAT SYS_lstat64
# define SYS_FSTAT SYS_fstat64
# define SYS_FSTATAT SYS_fstatat64
# define SYS_FCNTL SYS_fcntl64
# define SYS_MMAP SYS_mmap2
# define MMAP_OFFSET(bytes) ((bytes) / 4096)
# define OFF64(v) (long)(v), 0L
typedef struct stat64 stat_buf;
#else
# define SYS_STAT SYS_stat
# define SYS_LSTAT SYS_lstat
# define SYS_FSTAT SYS_fstat
# define SYS_FSTATAT SYS_newfstatat
# define SYS_FCNTL SYS_fcntl
# define SYS_MMAP SYS_mmap
# define MMAP_OFFSET(bytes) (bytes)
# define OFF64(v) (long)(v)
typedef struct stat stat_buf;
#endif

static char **env;
static char buf[4096];
static uint32_t futex_word;
static uint32_t futex_word2;

static void mark(void) { syscall(SYS_write, -1, "decodecalls: begin", 18); }

static void paths(void) {
  static const char *odd[] = {
      "with space",   "quote\"d",   "back\\slash", "caf\xc3\xa9 \xff",
      "new\nline",    "tab\tand\r", "\001" "7 octal",   "a-name-that-is-longer-than-thirty-two-bytes",
  };
  for (unsigned i = 0; i < sizeof odd / sizeof odd[0]; i++) {
    int fd = syscall(SYS_openat, AT_FDCWD, odd[i], O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    syscall(SYS_close, fd);
  }
  int fd = syscall(SYS_open, "plain", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  syscall(SYS_write, fd, "hello\n", 6);
  syscall(SYS_close, fd);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent/tls.pem", O_RDONLY | O_CLOEXEC);
  syscall(SYS_open, (char *)1, O_RDONLY);
  syscall(SYS_open, NULL, O_RDONLY);
  syscall(SYS_openat, AT_FDCWD, "plain", O_RDONLY | O_NOFOLLOW | O_DIRECTORY | O_NONBLOCK);
  syscall(SYS_openat, AT_FDCWD, ".", O_TMPFILE | O_RDWR, 0600);
  syscall(SYS_openat, AT_FDCWD, "plain", O_RDONLY | O_APPEND | O_SYNC | O_NOATIME);
  int dirfd = syscall(SYS_open, ".", O_RDONLY | O_DIRECTORY | O_PATH);
  syscall(SYS_openat, dirfd, "plain", O_RDONLY);
  syscall(SYS_openat, 12345, "plain", O_RDONLY);
  syscall(SYS_creat, "created", 0640);

  stat_buf st;
  syscall(SYS_STAT, "plain", &st);
  syscall(SYS_STAT, "/nonexistent", &st);
  syscall(SYS_LSTAT, "/", &st);
  syscall(SYS_STAT, "plain", (void *)8);
  fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDWR);
  syscall(SYS_FSTAT, fd, &st);
  syscall(SYS_FSTAT, -1, &st);
  syscall(SYS_FSTATAT, AT_FDCWD, "plain", &st, AT_SYMLINK_NOFOLLOW);
  syscall(SYS_FSTATAT, fd, "", &st, AT_EMPTY_PATH);
  syscall(SYS_FSTATAT, AT_FDCWD, "plain", &st, 0);

  syscall(SYS_access, "plain", R_OK | W_OK);
  syscall(SYS_access, "/nonexistent", F_OK);
  syscall(SYS_access, "plain", X_OK);
  syscall(SYS_faccessat, AT_FDCWD, "plain", R_OK);
  syscall(SYS_faccessat2, AT_FDCWD, "plain", R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW);

  syscall(SYS_symlink, "plain", "link");
  syscall(SYS_symlink, "a-target-that-is-much-longer-than-thirty-two-bytes", "longlink");
  syscall(SYS_symlinkat, "target with space", AT_FDCWD, "link2");
  syscall(SYS_readlink, "link", buf, sizeof buf);
  syscall(SYS_readlink, "longlink", buf, sizeof buf);
  syscall(SYS_readlink, "plain", buf, sizeof buf);
  syscall(SYS_readlinkat, AT_FDCWD, "link2", buf, 64);
  syscall(SYS_link, "plain", "hard");
  syscall(SYS_link, "nonexistent", "x");
  syscall(SYS_linkat, AT_FDCWD, "plain", dirfd, "hard2", AT_SYMLINK_FOLLOW);
  syscall(SYS_rename, "hard", "renamed");
  syscall(SYS_renameat, AT_FDCWD, "renamed", dirfd, "renamed2");
  syscall(SYS_renameat2, AT_FDCWD, "hard2", AT_FDCWD, "plain", RENAME_NOREPLACE);
  syscall(SYS_renameat2, AT_FDCWD, "renamed2", AT_FDCWD, "hard2", 0);

  syscall(SYS_mkdir, "sub dir", 0755);
  syscall(SYS_mkdirat, AT_FDCWD, "sub dir/inner", 0700);
  syscall(SYS_mkdir, "sub dir", 0755);
  syscall(SYS_chdir, "sub dir");
  syscall(SYS_chdir, "/nonexistent dir");
  syscall(SYS_fchdir, dirfd);
  syscall(SYS_rmdir, "sub dir/inner");
  syscall(SYS_rmdir, "plain");

  syscall(SYS_chmod, "plain", 0600);
  syscall(SYS_chmod, "plain", 04755);
  syscall(SYS_fchmod, fd, 0666);
  syscall(SYS_fchmodat, AT_FDCWD, "plain", 0644);
  syscall(SYS_chown, "plain", -1, -1);
  syscall(SYS_fchown, fd, 0, 0);
  syscall(SYS_lchown, "link", 0, 0);
  syscall(SYS_fchownat, AT_FDCWD, "link", 0, 0, AT_SYMLINK_NOFOLLOW);
  syscall(SYS_truncate, "plain", 3);
  syscall(SYS_truncate, "/nonexistent", 0);
  syscall(SYS_ftruncate, fd, 0);

  struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
  syscall(SYS_utimensat, AT_FDCWD, "plain", NULL, 0);
  syscall(SYS_utimensat, AT_FDCWD, "plain", times, 0);
  times[0] = (struct timespec){1, 2};
  times[1] = (struct timespec){1700000000, 999999999};
  syscall(SYS_utimensat, AT_FDCWD, "link", times, AT_SYMLINK_NOFOLLOW);
  syscall(SYS_utimensat, fd, NULL, (void *)1, 0);

  syscall(SYS_mknod, "fifo", S_IFIFO | 0644, 0);
  syscall(SYS_mknodat, AT_FDCWD, "null2", S_IFCHR | 0600, makedev(1, 3));
  syscall(SYS_mknod, "fifo", S_IFIFO | 0644, 0);
  syscall(SYS_mknodat, AT_FDCWD, "plain2", S_IFREG | S_ISGID | 0600, 0);

  syscall(SYS_unlink, "link");
  syscall(SYS_unlink, "nonexistent");
  syscall(SYS_unlinkat, AT_FDCWD, "sub dir/inner", AT_REMOVEDIR);
  syscall(SYS_unlinkat, AT_FDCWD, "sub dir", AT_REMOVEDIR);
  syscall(SYS_unlinkat, dirfd, "null2", 0);

  struct statx stx;
  syscall(SYS_statx, AT_FDCWD, "plain", AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_SIZE, &stx);
  syscall(SYS_statx, AT_FDCWD, "/nonexistent", AT_STATX_DONT_SYNC, STATX_ALL, &stx);
  struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH};
  syscall(SYS_close, syscall(SYS_openat2, AT_FDCWD, "plain", &how, sizeof how));
  how.flags = O_WRONLY | O_CREAT;
  how.mode = 0600;
  syscall(SYS_close, syscall(SYS_openat2, AT_FDCWD, "created2", &how, sizeof how));
  syscall(SYS_openat2, AT_FDCWD, "plain", &how, 8);
  syscall(SYS_chdir, "/");
  syscall(SYS_getcwd, buf, sizeof buf);
  syscall(SYS_getcwd, buf, 1);
  syscall(SYS_fchdir, dirfd);
  syscall(SYS_umask, 077);
  syscall(SYS_umask, 022);
  syscall(SYS_chroot, "/nonexistent");
  syscall(SYS_fsync, fd);
  syscall(SYS_fdatasync, -1);

  /* A path of more than 4095 bytes shows cut; strings next to an
   * unmapped page read up to it, or fail without their NUL. */
  static char longpath[5000];
  memset(longpath, 'p', sizeof longpath - 1);
  syscall(SYS_open, longpath, O_RDONLY);
  char *pages = (char *)syscall(SYS_MMAP, NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  syscall(SYS_munmap, pages + 4096, 4096);
  memcpy(pages + 4096 - 5, "edge", 5);
  syscall(SYS_open, pages + 4096 - 5, O_RDONLY);
  memcpy(pages + 4096 - 4, "cut!", 4);
  syscall(SYS_open, pages + 4096 - 4, O_RDONLY);
  syscall(SYS_write, -1, pages + 4096 - 40, 40);
  syscall(SYS_write, -1, pages + 4096 - 32, 40);
  syscall(SYS_write, -1, pages + 4096 - 33, 40);
  syscall(SYS_munmap, pages, 4096);

  char *argv[] = {"prog", "arg with space", "an-argument-longer-than-thirty-two-bytes", NULL};
  syscall(SYS_execve, "/nonexistent/prog", argv, env);
  syscall(SYS_execveat, AT_FDCWD, "/nonexistent/prog", argv, env, 0);
  syscall(SYS_execve, "/nonexistent/prog", NULL, NULL);
  syscall(SYS_close, dirfd);
  syscall(SYS_close, fd);
}

static void io(void) {
  int p[2];
  syscall(SYS_pipe2, p, O_CLOEXEC);
  syscall(SYS_write, p[1], "short", 5);
  syscall(SYS_read, p[0], buf, 100);
  syscall(SYS_write, p[1], "0123456789abcdefghijklmnopqrstuvwxyz", 36);
  syscall(SYS_read, p[0], buf, 10);
  syscall(SYS_read, p[0], buf, 100);
  static const char bin[] = "\0\001\0027\177\200\377\t\n\v\f\r \"\\x";
  syscall(SYS_write, p[1], bin, sizeof bin);
  syscall(SYS_read, p[0], buf, sizeof buf);
  char exact[32];
  memset(exact, 'e', sizeof exact);
  syscall(SYS_write, p[1], exact, 32);
  syscall(SYS_write, p[1], exact, 0);
  syscall(SYS_read, p[0], buf, sizeof buf);
  syscall(SYS_read, -1, buf, 10);
  syscall(SYS_write, p[1], (char *)1, 5);
  syscall(SYS_write, p[1], NULL, 0);

  struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
  syscall(SYS_writev, p[1], wv, 3);
  char r1[4], r2[10];
  struct iovec rv[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
  syscall(SYS_readv, p[0], rv, 2);
  syscall(SYS_readv, -1, rv, 2);
  syscall(SYS_writev, p[1], (void *)1, 2);
  struct iovec many[34];
  for (int i = 0; i < 34; i++) many[i] = (struct iovec){"i", 1};
  syscall(SYS_writev, p[1], many, 34);
  syscall(SYS_read, p[0], buf, sizeof buf);

  int fd = syscall(SYS_openat, AT_FDCWD, "rw", O_RDWR | O_CREAT, 0644);
  syscall(SYS_pwrite64, fd, "pwritten", 8, OFF64(10));
  syscall(SYS_pread64, fd, buf, 4, OFF64(12));
  syscall(SYS_pread64, p[0], buf, 4, OFF64(0));
  syscall(SYS_lseek, fd, 0, SEEK_END);
  syscall(SYS_lseek, fd, -1, SEEK_SET);

  syscall(SYS_dup, fd);
  syscall(SYS_dup2, fd, 10);
  syscall(SYS_dup3, fd, 11, O_CLOEXEC);
  syscall(SYS_dup3, fd, fd, 0);
  syscall(SYS_dup, -1);
  syscall(SYS_close, 10);
  syscall(SYS_close, 11);
  syscall(SYS_close, -1);
  syscall(SYS_close, 999);

  syscall(SYS_FCNTL, fd, F_GETFD);
  syscall(SYS_FCNTL, fd, F_SETFD, FD_CLOEXEC);
  syscall(SYS_FCNTL, fd, F_GETFD);
  syscall(SYS_FCNTL, fd, F_GETFL);
  syscall(SYS_FCNTL, fd, F_SETFL, O_NONBLOCK | O_APPEND);
  syscall(SYS_FCNTL, p[0], F_GETFL);
  syscall(SYS_FCNTL, fd, F_DUPFD, 20);
  syscall(SYS_FCNTL, fd, F_DUPFD_CLOEXEC, 30);
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
  syscall(SYS_FCNTL, fd, F_SETLK, &fl);
  syscall(SYS_FCNTL, fd, F_GETLK, &fl);
  syscall(SYS_FCNTL, fd, F_SETLKW, (void *)1);
  syscall(SYS_FCNTL, p[0], F_GETPIPE_SZ);
  syscall(SYS_FCNTL, p[0], F_SETPIPE_SZ, 8192);
  syscall(SYS_FCNTL, fd, F_GETOWN);
  syscall(SYS_FCNTL, fd, F_SETSIG, SIGUSR1);
  syscall(SYS_FCNTL, fd, F_GETSIG);
  struct f_owner_ex owner = {.type = F_OWNER_PID, .pid = 0};
  syscall(SYS_FCNTL, fd, F_SETOWN_EX, &owner);
  syscall(SYS_FCNTL, fd, F_GETOWN_EX, &owner);
  syscall(SYS_FCNTL, fd, F_OFD_SETLK, &fl);
  syscall(SYS_FCNTL, fd, F_OFD_GETLK, &fl);
  syscall(SYS_FCNTL, fd, F_GETLEASE);
  syscall(SYS_FCNTL, fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_WRITE);
  syscall(SYS_FCNTL, fd, F_GET_SEALS);
  syscall(SYS_FCNTL, fd, F_NOTIFY, DN_MODIFY | DN_MULTISHOT);
  syscall(SYS_FCNTL, -1, F_GETFD);
  syscall(SYS_FCNTL, fd, 9999, 0);

  int devnull = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY);
  struct termios t;
  struct winsize ws;
  int n = 0, one = 1;
  syscall(SYS_ioctl, devnull, TCGETS, &t);
  syscall(SYS_ioctl, devnull, TIOCGWINSZ, &ws);
  syscall(SYS_write, p[1], "abc", 3);
  syscall(SYS_ioctl, p[0], FIONREAD, &n);
  syscall(SYS_ioctl, p[0], FIONBIO, &one);
  syscall(SYS_ioctl, p[0], FIOCLEX);
  syscall(SYS_ioctl, p[0], FIONCLEX);
  syscall(SYS_ioctl, p[0], FIONREAD, (void *)1);
  ws = (struct winsize){24, 80, 0, 0};
  syscall(SYS_ioctl, devnull, TIOCSWINSZ, &ws);
  syscall(SYS_ioctl, devnull, TCFLSH, TCIOFLUSH);
  syscall(SYS_ioctl, devnull, TCXONC, 9);
  syscall(SYS_ioctl, devnull, TIOCSTI, "x");
  syscall(SYS_ioctl, devnull, TIOCNOTTY);
  syscall(SYS_ioctl, devnull, FICLONE, 3);
  syscall(SYS_ioctl, devnull, _IOC(_IOC_READ | _IOC_WRITE, 0xab, 0xcd, 8), buf);
  syscall(SYS_ioctl, devnull, _IO(0xab, 0x12), 0);
  syscall(SYS_ioctl, -1, TIOCGPGRP, &n);
  syscall(SYS_close, devnull);
  syscall(SYS_close, fd);
  syscall(SYS_close, p[0]);
  syscall(SYS_close, p[1]);
  syscall(SYS_pipe, p);
  syscall(SYS_close, p[0]);
  syscall(SYS_close, p[1]);
  syscall(SYS_pipe, (void *)1);
}

static struct sockaddr_in in4(int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void sockets(int udp_a, int udp_b, int tcp_port) {
  int s = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in closed = in4(1);
  syscall(SYS_connect, s, &closed, sizeof closed);
  syscall(SYS_connect, s, (void *)1, sizeof closed);
  syscall(SYS_connect, s, &closed, 1);
  syscall(SYS_close, s);

  s = syscall(SYS_socket, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
  struct sockaddr_in6 six = {.sin6_family = AF_INET6, .sin6_port = htons(1), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  syscall(SYS_connect, s, &six, sizeof six);
  syscall(SYS_close, s);

  s = syscall(SYS_socket, AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
  struct sockaddr_in listen_at = in4(tcp_port);
  syscall(SYS_bind, s, &listen_at, sizeof listen_at);
  syscall(SYS_listen, s, 8);
  syscall(SYS_accept4, s, NULL, NULL, SOCK_CLOEXEC);
  syscall(SYS_close, s);

  int a = syscall(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, IPPROTO_UDP);
  int b = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in sa = in4(udp_a), sb = in4(udp_b);
  syscall(SYS_bind, a, &sa, sizeof sa);
  syscall(SYS_bind, b, &sb, sizeof sb);
  syscall(SYS_sendto, a, "ping", 4, 0, &sb, sizeof sb);
  struct sockaddr_storage from;
  socklen_t fromlen = sizeof from;
  syscall(SYS_recvfrom, b, buf, 64, 0, &from, &fromlen);
  syscall(SYS_connect, a, &sb, sizeof sb);
  syscall(SYS_sendto, a, "a datagram longer than thirty-two bytes", 39, MSG_NOSIGNAL | MSG_DONTWAIT, NULL, 0);
  fromlen = sizeof(struct sockaddr_in);
  syscall(SYS_recvfrom, b, buf, 8, MSG_TRUNC, &from, &fromlen);
  syscall(SYS_recvfrom, a, buf, 64, MSG_DONTWAIT, &from, &fromlen);
  syscall(SYS_recvfrom, a, buf, 64, MSG_DONTWAIT, NULL, NULL);
  syscall(SYS_close, a);
  syscall(SYS_close, b);

  int l = syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "sock"};
  syscall(SYS_bind, l, &un, offsetof(struct sockaddr_un, sun_path) + 5);
  syscall(SYS_listen, l, 8);
  int c = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
  syscall(SYS_connect, c, &un, sizeof un);
  struct sockaddr_un peer;
  socklen_t peerlen = sizeof peer;
  int conn = syscall(SYS_accept4, l, &peer, &peerlen, SOCK_CLOEXEC);
  peerlen = sizeof peer;
  syscall(SYS_getsockname, c, &peer, &peerlen);
  peerlen = sizeof peer;
  syscall(SYS_getpeername, c, &peer, &peerlen);
  syscall(SYS_getpeername, l, &peer, &peerlen);
  syscall(SYS_getsockname, c, NULL, &peerlen);
  syscall(SYS_shutdown, conn, SHUT_WR);
  syscall(SYS_shutdown, conn, 7);
  syscall(SYS_sendto, c, "over unix", 9, 0, NULL, 0);
  syscall(SYS_recvfrom, conn, buf, sizeof buf, 0, NULL, NULL);
  syscall(SYS_accept4, l, &peer, &peerlen, 0);
  syscall(SYS_close, conn);
  syscall(SYS_close, c);

  int u = syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un abs = {.sun_family = AF_UNIX};
  memcpy(abs.sun_path, "\0decodecalls-abstract", 21);
  syscall(SYS_bind, u, &abs, offsetof(struct sockaddr_un, sun_path) + 21);
  int v = syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
  syscall(SYS_sendto, v, "to abstract", 11, 0, &abs, offsetof(struct sockaddr_un, sun_path) + 21);
  struct sockaddr_un nobody = {.sun_family = AF_UNIX, .sun_path = "no such socket"};
  syscall(SYS_connect, v, &nobody, sizeof nobody);
  syscall(SYS_close, u);
  syscall(SYS_close, v);
  syscall(SYS_close, l);
  int sv[2];
  syscall(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
  syscall(SYS_socketpair, AF_INET, SOCK_STREAM, 0, sv);
  syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  syscall(SYS_socket, AF_INET, SOCK_RAW, 255);
  syscall(SYS_socket, 12345, SOCK_STREAM, 0);
}

static void memory(void) {
  void *p = (void *)syscall(SYS_MMAP, NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  syscall(SYS_mprotect, p, 4096, PROT_READ);
  syscall(SYS_mprotect, p, 4096, PROT_NONE);
  syscall(SYS_mprotect, p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  syscall(SYS_madvise, p, 8192, MADV_DONTNEED);
  syscall(SYS_madvise, p, 8192, 999);
  syscall(SYS_munmap, p, 8192);
  p = (void *)syscall(SYS_MMAP, NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  p = (void *)syscall(SYS_mremap, p, 8192, 16384, MREMAP_MAYMOVE);
  syscall(SYS_mremap, p, 16384, 4096, 0);
  syscall(SYS_mremap, p, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, (char *)p + 65536);
  int fd = syscall(SYS_openat, AT_FDCWD, "rw", O_RDWR);
  p = (void *)syscall(SYS_MMAP, NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
  syscall(SYS_munmap, p, 4096);
  p = (void *)syscall(SYS_MMAP, NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_POPULATE | MAP_NORESERVE, fd, MMAP_OFFSET(4096));
  syscall(SYS_MMAP, NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  syscall(SYS_MMAP, NULL, 4096, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS | MAP_STACK | MAP_GROWSDOWN, -1, 0);
  syscall(SYS_MMAP, NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | (21 << MAP_HUGE_SHIFT), -1, 0);
  syscall(SYS_close, fd);
  long cur = syscall(SYS_brk, 0);
  syscall(SYS_brk, cur + 8192);
  syscall(SYS_brk, cur);
}

static int child_exit(void) {
  syscall(SYS_getppid);
  syscall(SYS_exit, 3);
  return 0;
}

static void processes(void) {
  pid_t pid = fork();
  if (pid == 0) child_exit();
  int status;
  syscall(SYS_wait4, pid, &status, 0, NULL);

  pid_t ptid = 0;
  pid = syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, 0, &ptid, NULL, 0);
  if (pid == 0) {
    syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
    syscall(SYS_exit, 1);
  }
  syscall(SYS_wait4, -1, &status, __WALL, NULL);

  struct clone_args ca = {.exit_signal = SIGCHLD};
  pid = syscall(SYS_clone3, &ca, sizeof ca);
  if (pid == 0) {
    char *argv[] = {"decodecalls", "exec-child", NULL};
    syscall(SYS_execve, "/proc/self/exe", argv, env);
    syscall(SYS_exit_group, 4);
  }
  syscall(SYS_wait4, pid, &status, 0, NULL);
  syscall(SYS_wait4, -1, &status, WNOHANG, NULL);
  syscall(SYS_wait4, -1, NULL, WNOHANG | WUNTRACED | WCONTINUED, NULL);
  syscall(SYS_clone3, &ca, 8);

  syscall(SYS_kill, syscall(SYS_getpid), 0);
  syscall(SYS_kill, INT_MAX, SIGTERM);
  syscall(SYS_tgkill, syscall(SYS_getpid), syscall(SYS_gettid), 0);
  syscall(SYS_tgkill, syscall(SYS_getpid), INT_MAX, SIGRTMIN);
  syscall(SYS_kill, syscall(SYS_getpid), 99);
  syscall(SYS_tkill, syscall(SYS_gettid), 0);
}

/* What a program's start and ls -l make beside the calls above. */
static void extras(void) {
  char value[64];
  syscall(SYS_setxattr, "plain", "user.k", "v\0", 2, XATTR_CREATE);
  syscall(SYS_lgetxattr, "plain", "user.k", value, sizeof value);
  syscall(SYS_getxattr, "plain", "user.absent", value, sizeof value);
  syscall(SYS_getxattr, "plain", "user.k", NULL, 0);
  syscall(SYS_listxattr, "plain", value, sizeof value);
  syscall(SYS_removexattr, "plain", "user.k");
  int fd = syscall(SYS_openat, AT_FDCWD, ".", O_RDONLY | O_DIRECTORY);
  syscall(SYS_fgetxattr, fd, "security.selinux", value, sizeof value);
  syscall(SYS_getdents64, fd, buf, sizeof buf);
  syscall(SYS_getdents64, fd, buf, sizeof buf);
  syscall(SYS_getdents64, -1, buf, sizeof buf);
  syscall(SYS_fadvise64, fd, OFF64(0), 0, POSIX_FADV_SEQUENTIAL);
  syscall(SYS_close, fd);
  struct statfs sfs;
  syscall(SYS_statfs, "/proc", &sfs);
  syscall(SYS_statfs, "/nonexistent", &sfs);
  struct rlimit rl;
  syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &rl);
  syscall(SYS_prlimit64, 0, RLIMIT_CORE, &rl, NULL);
  syscall(SYS_prlimit64, 0, 99, NULL, &rl);
  syscall(SYS_getrlimit, RLIMIT_STACK, &rl);
  struct utsname un;
  syscall(SYS_uname, &un);
  syscall(SYS_getrandom, buf, 0, GRND_NONBLOCK);
  syscall(SYS_getrandom, buf, 8, 99);
#ifdef __x86_64__
  unsigned long fsbase;
  syscall(SYS_arch_prctl, ARCH_GET_FS, &fsbase);
  syscall(SYS_arch_prctl, 0x3001, 0);
#endif
  syscall(SYS_close_range, 100, 200, 0);
  syscall(SYS_close_range, 5, 3, 0);
  syscall(SYS_getpgid, INT_MAX);
  syscall(SYS_getsid, INT_MAX);
  syscall(SYS_setpgid, INT_MAX, 0);
  syscall(SYS_setuid, 0);
  syscall(SYS_setgid, 0);
}

static void on_usr1(int sig) { (void)sig; }

static void signals(void) {
  struct sigaction sa = {0}, old;
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR2);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = SA_RESTART | SA_SIGINFO;
  sigaction(SIGUSR1, &sa, &old);
  sigaction(SIGUSR1, NULL, &old);
  sa.sa_handler = SIG_IGN;
  sa.sa_flags = 0;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR2, &sa, NULL);
  sigaction(SIGKILL, &sa, NULL);
  syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old, 7);
  syscall(SYS_rt_sigaction, SIGUSR1, (void *)1, NULL, 8);

  uint64_t set = (1ULL << (SIGUSR1 - 1)) | (1ULL << 31) | (1ULL << 32) | (1ULL << 39), oset;
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &oset, 8);
  uint64_t full = ~0ULL;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &full, &oset, 8);
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, &oset, 8);
  set = 0;
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, 8);
  syscall(SYS_rt_sigprocmask, 99, &set, NULL, 8);
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, NULL, &oset, 8);
  syscall(SYS_kill, syscall(SYS_getpid), SIGUSR2);
}

static void waits(void) {
  futex_word = 0;
  syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
  struct timespec ts = {0, 1000};
  syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, &ts, NULL, 0);
  struct timespec past = {1, 0};
  syscall(SYS_futex, &futex_word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &past, NULL, FUTEX_BITSET_MATCH_ANY);
  syscall(SYS_futex, &futex_word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 3);
  syscall(SYS_futex, &futex_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 2, &futex_word2, 0);
  syscall(SYS_futex, &futex_word, FUTEX_REQUEUE, 1, 2, &futex_word2, 0);
  syscall(SYS_futex, &futex_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &futex_word2, FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_GT, 0));
  syscall(SYS_futex, &futex_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
  syscall(SYS_futex, &futex_word, 99, 0, NULL, NULL, 0);
  syscall(SYS_futex, (void *)1, FUTEX_WAIT, 0, (void *)1, NULL, 0);

  struct timespec rem;
  syscall(SYS_nanosleep, &ts, NULL);
  syscall(SYS_nanosleep, &ts, &rem);
  struct timespec bad = {0, 1000000000};
  syscall(SYS_nanosleep, &bad, NULL);
  syscall(SYS_nanosleep, (void *)1, NULL);
  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
  syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &past, &rem);
  syscall(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0, &bad, NULL);
  syscall(SYS_clock_nanosleep, 99, 0, &ts, NULL);
}

int main(int argc, char **argv, char **envp) {
  env = envp;
  if (argc == 2 && strcmp(argv[1], "exec-child") == 0) {
    mark();
    syscall(SYS_exit_group, 0);
  }
  if (argc != 5) return 2;
  if (!(personality(0xffffffff) & ADDR_NO_RANDOMIZE)) {
    personality(ADDR_NO_RANDOMIZE);
    execv("/proc/self/exe", argv);
    return 3;
  }
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0);
  dup2(null, 1);
  dup2(null, 2);
  syscall(SYS_close_range, 3, ~0U, 0);
  umask(022);
  if (chdir(argv[1]) != 0) return 4;

  mark();
  paths();
  io();
  sockets(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
  memory();
  extras();
  signals();
  waits();
  processes();
  syscall(SYS_exit_group, 0);
  return 0;
}
