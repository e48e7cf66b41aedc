/* The few kernel types the programs read, declared by hand with CO-RE
 * (preserve_access_index): the loader relocates every field access
 * against the running kernel's BTF, so one object fits every kernel
 * from 5.11 on, whatever its layout. A full `bpftool btf dump` would be
 * 100 000 lines of one build's layout. */
#ifndef SYSCALL_EXPORTER_VMLINUX_H
#define SYSCALL_EXPORTER_VMLINUX_H

typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
#define true 1
#define false 0

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_RINGBUF = 27,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
	BPF_F_NO_PREALLOC = 1,
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct pid_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct upid {
	int nr;
	struct pid_namespace *ns;
} __attribute__((preserve_access_index));

struct pid {
	unsigned int level;
	struct upid numbers[1];
} __attribute__((preserve_access_index));

/* x86 keeps TS_COMPAT here while a 32-bit syscall runs. */
struct thread_info {
	__u32 status;
} __attribute__((preserve_access_index));

struct bpf_local_storage;

struct task_struct {
	struct thread_info thread_info;
	struct bpf_local_storage *bpf_storage;
	int pid;
	int tgid;
	struct task_struct *group_leader;
	struct pid *thread_pid;
	char comm[16];
} __attribute__((preserve_access_index));

/* The user stack pointer at syscall entry and exit (x86_64, i386 in
 * compat, arm64 all name it sp). */
struct pt_regs {
	unsigned long sp;
} __attribute__((preserve_access_index));

struct linux_binprm;

struct seq_file;
struct bpf_iter_meta {
	struct seq_file *seq;
} __attribute__((preserve_access_index));
struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

#endif
