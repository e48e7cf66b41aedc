// SPDX-License-Identifier: GPL-2.0
/* The eBPF backend's programs. They count every syscall of the targets in
 * the kernel, time it from entry to exit, and tell userspace when a
 * target's thread appears, is renamed, execs or exits. Userspace reads
 * the counts (cumulative; it subtracts its last read) and names the
 * threads from the events: nothing reads /proc per syscall.
 *
 * Every program runs on every syscall of the host, so the common case,
 * a task that is not a target, is one task-storage lookup that finds
 * nothing: targets are exactly the tasks with storage in `tasks`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* Architecture indexes, as syscalls.Arch.Index numbers them. */
#define ARCH_X86_64 0
#define ARCH_I386 1
#define ARCH_AARCH64 2
#define ARCH_OTHER 3
#define ARCH_INDEXES 4

/* --syscalls, per arch: bit nr of selected[arch] for the numbers below
 * SELECT_NRS, selected_beyond[arch] for the rest. */
#define SELECT_NRS 512
#define SELECT_WORDS (SELECT_NRS / 64)

/* The latency buckets: upper bounds in ns, inclusive, computed in Go from
 * backend/buckets.go so that both sides sort a duration alike. */
#define NUM_CLASSIC 22
#define NATIVE_MIN_KEY (-240)
#define NATIVE_BOUNDS 360 /* keys -240..119; above the last bound is key 120 */

#define TS_COMPAT 0x0002
#define MAX_ERRNO 4095
#define MAX_NS_DEPTH 8

/* Set by the loader before the programs load; constants to the verifier. */
const volatile bool filtering = false;
const volatile __u64 selected[ARCH_INDEXES][SELECT_WORDS] = {};
const volatile bool selected_beyond[ARCH_INDEXES] = {};
/* The calls whose entry matters to counting: exec starts a launched
 * command's count; exit and exit_group never return. */
const volatile __u32 nr_execve[ARCH_INDEXES] = {};
const volatile __u32 nr_execveat[ARCH_INDEXES] = {};
const volatile __u32 nr_exit[ARCH_INDEXES] = {};
const volatile __u32 nr_exit_group[ARCH_INDEXES] = {};
/* A signal handler returns by these: they restore the registers of the
 * frame the signal interrupted (interrupted calls, below). */
const volatile __u32 nr_rt_sigreturn[ARCH_INDEXES] = {};
const volatile __u32 nr_sigreturn[ARCH_INDEXES] = {};
const volatile __u64 classic_bounds[NUM_CLASSIC] = {};
const volatile __u64 native_bounds[NATIVE_BOUNDS] = {};
/* The PID namespace the exporter lives in: events name threads by the
 * numbers it sees (a sidecar's namespace), not the host's. */
const volatile __u32 pidns_inum = 0;
/* The span selection (--spans.*), when spans are on: a call that failed,
 * took longer than span_slow_ns (0: none), or was drawn with probability
 * span_sample_below / 2^32 (span_sample_all: every call) is offered. */
const volatile __u64 span_slow_ns = 0;
const volatile __u32 span_sample_below = 0;
const volatile bool span_sample_all = false;

/* Changed by userspace while the programs run. */
/* launcher_tid: the exporter thread about to start the command (-- CMD),
 * as the exporter's namespace numbers it; its next child is a target. */
volatile __u32 launcher_tid = 0;
/* next_lid numbers label ids; userspace numbers its own from the top. */
__u32 next_lid = 1;

/* A call a signal interrupted exits with a restart code (ERESTARTSYS and
 * kin, 512..516). What the program sees is decided after that exit: with
 * no handler the kernel restarts the call; with one it may instead return
 * EINTR, which only the handler's sigreturn shows, as the register value
 * it restores. So such a call is held, its error and latency not counted,
 * until the thread tells:
 *  - a call entered at its stack pointer: it was restarted (the same call
 *    or restart_syscall), or the program left it (siglongjmp): no error;
 *  - a sigreturn exiting at its stack pointer, which sigreturn restores:
 *    with -EINTR the program saw EINTR, counted on the held call with its
 *    latency to the interrupting exit; otherwise it was restarted.
 * A handler's own calls run below the interrupted frame, a nested
 * interrupted call above it on the stack; a match below the top means the
 * calls above were abandoned: no error. What is still held at exec, exit
 * or unload, or the oldest when HELD_DEPTH are, is no error, as in the
 * ptrace backend (ptrace/interrupted.go). */
#define HELD_DEPTH 4

struct held_call {
	__u64 entry_ns;
	__u64 exit_ns; /* of the interrupting exit */
	__u64 sp;      /* the user stack pointer at that exit */
	__u32 nr;
	__u8 arch;
	__u8 pad[3];
};

/* What the programs know of one target thread. */
struct task_state {
	__u64 entry_ns; /* entry time of the call in flight */
	/* lid is the thread's label id: a new one at every rename and exec,
	 * so each count lands on the names the thread had when it made it. */
	__u32 lid;
	__u32 nr;
	__u8 arch;
	__u8 in_call; /* CALL_* */
	/* counting is 0 for a launched command until its execve, so the
	 * calls before it are not counted (strace -c does the same). */
	__u8 counting;
	__u8 held; /* how many of held_calls are in use, the latest last */
	__u8 sigreturning; /* the call in flight is a sigreturn, and calls are held */
	struct held_call held_calls[HELD_DEPTH];
};

#define CALL_NONE 0	/* no call entered, or its exit was seen */
#define CALL_TIMED 1	/* entered, counted, timed at its exit */
#define CALL_UNTIMED 2	/* entered, not timed: filtered, or exit */

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} tasks SEC(".maps");

/* The counts. Plain HASH maps, sized by userspace, never LRU: an LRU map
 * evicts counters before it is full. A full map is counted. */
struct call_key {
	__u32 lid;
	__u32 nr;
	__u32 arch;
};

struct errno_key {
	struct call_key call;
	__u32 errno;
};

struct bucket_key {
	struct call_key call;
	__s16 native;
	__u8 classic;
	__u8 pad;
};

struct bucket_value {
	__u64 count;
	__u64 sum_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct call_key);
	__type(value, __u64);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct errno_key);
	__type(value, __u64);
} errors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct bucket_key);
	__type(value, struct bucket_value);
} latency SEC(".maps");

/* What the programs could not record, by reason (LOST_*). */
#define LOST_CALLS_FULL 0
#define LOST_ERRORS_FULL 1
#define LOST_LATENCY_FULL 2
#define LOST_EVENTS_FULL 3
#define LOST_FAILURES_FULL 4
#define LOST_EXIT_WITHOUT_ENTRY 5
#define LOST_TASKS_FULL 6
#define NUM_LOST 7
/* Not a loss: interrupted calls counted as not failed because their
 * thread held HELD_DEPTH already. */
#define INTERRUPTED_OVERFLOW NUM_LOST
#define NUM_COUNTERS (NUM_LOST + 1)

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NUM_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Thread lifecycle and names, for userspace to follow. */
#define EVENT_NEW 1	/* a target made a thread or process */
#define EVENT_RENAME 2	/* comm changed: prctl, a write to comm, exec */
#define EVENT_EXEC 3	/* execve succeeded */
#define EVENT_EXIT 4	/* the thread is gone */
#define EVENT_LAUNCHED 1 /* flags: the command the exporter started */

struct event {
	__u32 type;
	__u32 lid;	/* the thread's label id before the event (NEW: its maker's) */
	__u32 new_lid;	/* and after */
	__s32 tid;	/* in the exporter's PID namespace */
	__s32 pid;
	__u32 flags;
	char comm[16];
	char leader_comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Calls offered to the span selection: failed, slow or sampled (the
 * why bits), so that userspace drops failures of ignored errnos unless
 * the call was slow or sampled too. */
#define SPAN_FAILED 1
#define SPAN_SLOW 2
#define SPAN_SAMPLED 4

struct failure {
	__u32 lid;
	__u32 nr;
	__u32 arch;
	__u16 errno;
	__u16 why;
	__u64 entry_ns;
	__u64 exit_ns;
	__s64 ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} failures SEC(".maps");

static __always_inline void count_lost(__u32 reason)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &reason);
	if (n)
		*n += 1; /* per CPU: no atomic needed */
}

/* lookup_or_init finds key's value, making it zero first. */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *zero, __u32 full)
{
	void *v = bpf_map_lookup_elem(map, key);
	if (v)
		return v;
	long err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST: another CPU made it */) {
		count_lost(full);
		return 0;
	}
	return bpf_map_lookup_elem(map, key);
}

static __always_inline __u32 new_lid(void)
{
	return __sync_fetch_and_add(&next_lid, 1);
}

/* task_arch is the table the task's current call is numbered by: an
 * i386 task on x86_64 calls by the i386 table. */
static __always_inline __u8 task_arch(struct task_struct *task)
{
#if defined(__TARGET_ARCH_x86)
	if (task->thread_info.status & TS_COMPAT) /* a BTF pointer: a plain load, no probe_read helper */
		return ARCH_I386;
	return ARCH_X86_64;
#elif defined(__TARGET_ARCH_arm64)
	return ARCH_AARCH64;
#else
	return ARCH_OTHER;
#endif
}

static __always_inline bool is_selected(__u8 arch, __u32 nr)
{
	if (!filtering)
		return true;
	if (arch >= ARCH_INDEXES)
		return false;
	if (nr >= SELECT_NRS)
		return selected_beyond[arch];
	return (selected[arch][nr / 64] >> (nr % 64)) & 1;
}

/* upper_index is the first i with ns <= bounds[i], or n past the last. */
static __always_inline __u32 classic_index(__u64 ns)
{
	__u32 i;
	for (i = 0; i < NUM_CLASSIC; i++)
		if (ns <= classic_bounds[i])
			break;
	return i;
}

static __always_inline __s16 native_key(__u64 ns)
{
	__u32 lo = 0, hi = NATIVE_BOUNDS;
	for (int i = 0; i < 10; i++) { /* 2^9 > NATIVE_BOUNDS */
		if (lo >= hi)
			break;
		__u32 mid = (lo + hi) / 2;
		if (mid >= NATIVE_BOUNDS)
			break;
		if (ns <= native_bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return NATIVE_MIN_KEY + (__s16)lo;
}

/* is_restart: ERESTARTSYS..ERESTART_RESTARTBLOCK never reach the task
 * as they are: the call is restarted or, if a handler runs, may return
 * EINTR (held, above). */
static __always_inline bool is_restart(__u32 errno)
{
	return errno >= 512 && errno <= 516;
}

static __always_inline bool is_sigreturn(__u8 arch, __u32 nr)
{
	return arch < ARCH_INDEXES && (nr == nr_rt_sigreturn[arch] || nr == nr_sigreturn[arch]);
}

/* user_sp is the task's user stack pointer: PT_REGS_SP, read through BTF
 * (CO-RE), as bpf_tracing.h's arm64 cast needs a type vmlinux.h lacks. */
static __always_inline __u64 user_sp(struct pt_regs *regs)
{
	return regs->sp;
}

/* ns_pid is pid's number in the exporter's PID namespace, 0 outside it. */
static __always_inline __s32 ns_pid(struct pid *pid)
{
	unsigned int level = BPF_CORE_READ(pid, level);
	for (int i = 0; i < MAX_NS_DEPTH; i++) {
		if (i > level)
			break;
		struct upid up = {};
		bpf_core_read(&up, sizeof(up), &pid->numbers[i]);
		if (BPF_CORE_READ(up.ns, ns.inum) == pidns_inum)
			return up.nr;
	}
	return 0;
}

static __always_inline void send_event(__u32 type, struct task_struct *task, __u32 lid, __u32 new_lid, __u32 flags)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost(LOST_EVENTS_FULL);
		return;
	}
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	e->type = type;
	e->lid = lid;
	e->new_lid = new_lid;
	e->tid = ns_pid(BPF_CORE_READ(task, thread_pid));
	e->pid = ns_pid(BPF_CORE_READ(leader, thread_pid));
	e->flags = flags;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	BPF_CORE_READ_STR_INTO(&e->leader_comm, leader, comm);
	bpf_ringbuf_submit(e, 0);
}

/* target_state is the task's state if it is a target. A task with no
 * local storage at all, most of the host, is none: one load says so
 * without the helper's call and its lock. */
static __always_inline struct task_state *target_state(struct task_struct *task)
{
	if (!task->bpf_storage)
		return 0;
	return bpf_task_storage_get(&tasks, task, 0, 0);
}

/* offer_span sends a failed, slow or sampled call to the span selection. */
static __always_inline void offer_span(struct call_key *call, __u16 errno, __u64 entry_ns, __u64 exit_ns, long ret)
{
	__u16 why = 0;
	if (errno)
		why |= SPAN_FAILED;
	if (span_slow_ns && exit_ns - entry_ns > span_slow_ns)
		why |= SPAN_SLOW;
	if (span_sample_all || (span_sample_below && bpf_get_prandom_u32() < span_sample_below))
		why |= SPAN_SAMPLED;
	if (!why)
		return;
	struct failure *f = bpf_ringbuf_reserve(&failures, sizeof(*f), 0);
	if (!f) {
		count_lost(LOST_FAILURES_FULL);
		return;
	}
	f->lid = call->lid;
	f->nr = call->nr;
	f->arch = call->arch;
	f->errno = errno;
	f->why = why;
	f->entry_ns = entry_ns;
	f->exit_ns = exit_ns;
	f->ret = ret;
	bpf_ringbuf_submit(f, 0);
}

static __always_inline void count_error(struct call_key *call, __u32 errno)
{
	struct errno_key ek = {.call = *call, .errno = errno};
	__u64 zero = 0;
	__u64 *n = lookup_or_init(&errors, &ek, &zero, LOST_ERRORS_FULL);
	if (n)
		__sync_fetch_and_add(n, 1);
}

/* count_latency is a global function, which the verifier checks once on
 * its own rather than at each call: its bucket search loops are most of
 * sys_exit's verification. */
__attribute__((noinline)) int count_latency(__u32 lid, __u32 nr, __u32 arch, __u64 ns)
{
	struct bucket_key bk = {.call = {.lid = lid, .nr = nr, .arch = arch}, .native = native_key(ns), .classic = classic_index(ns)};
	struct bucket_value zero = {};
	struct bucket_value *b = lookup_or_init(&latency, &bk, &zero, LOST_LATENCY_FULL);
	if (b) {
		__sync_fetch_and_add(&b->count, 1);
		__sync_fetch_and_add(&b->sum_ns, ns);
	}
	return 0;
}

/* hold keeps the timed call that just exited with a restart code until
 * the thread tells what the program saw of it. A full stack lets its
 * oldest go, as not failed. */
static __always_inline void hold(struct task_state *ts, struct pt_regs *regs, __u64 now)
{
	__u8 n = ts->held;
	if (n >= HELD_DEPTH) {
		count_lost(INTERRUPTED_OVERFLOW);
#pragma unroll
		for (int i = 0; i < HELD_DEPTH - 1; i++)
			ts->held_calls[i] = ts->held_calls[i + 1];
		n = HELD_DEPTH - 1;
	}
	struct held_call *h = &ts->held_calls[n & (HELD_DEPTH - 1)];
	h->entry_ns = ts->entry_ns;
	h->exit_ns = now;
	h->sp = user_sp(regs);
	h->nr = ts->nr;
	h->arch = ts->arch;
	ts->held = n + 1;
}

/* held_find is the index of the latest held call at stack pointer sp, or
 * HELD_DEPTH if none. */
static __always_inline __u32 held_find(struct task_state *ts, __u64 sp)
{
	__u8 n = ts->held;
#pragma unroll
	for (int i = HELD_DEPTH - 1; i >= 0; i--)
		if (i < n && ts->held_calls[i].sp == sp)
			return i;
	return HELD_DEPTH;
}

/* held_entered runs at every entry of a thread that holds calls: one
 * entered at a held call's stack pointer was restarted or left, and so
 * were those above it: no error, no latency. */
static __always_inline void held_entered(struct task_state *ts, struct pt_regs *regs, __u8 arch, __u32 nr)
{
	__u32 i = held_find(ts, user_sp(regs));
	if (i < HELD_DEPTH)
		ts->held = i;
	if (ts->held && is_sigreturn(arch, nr))
		ts->sigreturning = 1;
}

/* sigreturned runs at the exit of a sigreturn of a thread that holds
 * calls: it returned ret at the stack pointer it restored, the
 * interrupted frame's. */
static __always_inline void sigreturned(struct task_state *ts, struct pt_regs *regs, long ret)
{
	__u32 i = held_find(ts, user_sp(regs));
	if (i >= HELD_DEPTH)
		return;
	ts->held = i;
	/* An i386 task's restored eax comes zero-extended: compare 32 bits,
	 * as the kernel's syscall_get_return_value does for compat tasks.
	 * The restored value is -EINTR or the call's number, never another
	 * value with these low bits. */
	if ((__s32)ret != -4 /* EINTR */)
		return; /* restarted (SA_RESTART, ERESTARTNOINTR): no error */
	struct held_call *h = &ts->held_calls[i & (HELD_DEPTH - 1)];
	struct call_key call = {.lid = ts->lid, .nr = h->nr, .arch = h->arch};
	count_error(&call, 4);
	offer_span(&call, 4, h->entry_ns, h->exit_ns, -4);
	count_latency(call.lid, call.nr, call.arch, h->exit_ns - h->entry_ns);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *ts = target_state(task);
	if (!ts)
		return 0; /* not a target: most calls of the host end here */

	__u8 arch = task_arch(task);
	__u32 nr = id;
	ts->in_call = CALL_UNTIMED;
	if (ts->held)
		held_entered(ts, regs, arch, nr);
	if (arch < ARCH_INDEXES && !ts->counting) {
		if (nr != nr_execve[arch] && nr != nr_execveat[arch])
			return 0;
		ts->counting = 1;
	}
	if (!is_selected(arch, nr))
		return 0;

	struct call_key key = {.lid = ts->lid, .nr = nr, .arch = arch};
	__u64 zero = 0;
	__u64 *n = lookup_or_init(&calls, &key, &zero, LOST_CALLS_FULL);
	if (n)
		__sync_fetch_and_add(n, 1);
	if (arch < ARCH_INDEXES && (nr == nr_exit[arch] || nr == nr_exit_group[arch]))
		return 0; /* never returns: not timed */
	ts->in_call = CALL_TIMED;
	ts->nr = nr;
	ts->arch = arch;
	ts->entry_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_state *ts = target_state(task);
	if (!ts)
		return 0;
	__u8 in_call = ts->in_call;
	ts->in_call = CALL_NONE;
	if (ts->sigreturning) {
		ts->sigreturning = 0;
		sigreturned(ts, regs, ret);
	}
	if (in_call != CALL_TIMED) {
		if (in_call == CALL_NONE)
			count_lost(LOST_EXIT_WITHOUT_ENTRY); /* attached inside a call */
		return 0;
	}
	__u64 now = bpf_ktime_get_ns();
	/* The thread's lid now: an exec renames the thread before its
	 * execve returns, as ptrace sees it. */
	struct call_key call = {.lid = ts->lid, .nr = ts->nr, .arch = ts->arch};

	__u16 errno = 0;
	/* A sigreturn returns the interrupted frame's restored register, not
	 * an error of its own. */
	if (ret < 0 && ret >= -MAX_ERRNO && !is_sigreturn(call.arch, call.nr)) {
		errno = -ret;
		if (is_restart(errno)) {
			hold(ts, regs, now);
			return 0;
		}
		count_error(&call, errno);
	}
	offer_span(&call, errno, ts->entry_ns, now, ret);
	count_latency(call.lid, call.nr, call.arch, now - ts->entry_ns);
	return 0;
}

/* A target's new thread or process is a target from its first call on.
 * The exporter's launcher thread makes the launched command one. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct task_state *ps = bpf_task_storage_get(&tasks, parent, 0, 0);
	__u8 counting = 1;
	__u32 maker = 0, flags = 0;
	if (ps) {
		counting = ps->counting;
		maker = ps->lid;
	} else {
		__u32 launcher = launcher_tid;
		if (!launcher || ns_pid(BPF_CORE_READ(parent, thread_pid)) != launcher)
			return 0;
		launcher_tid = 0;
		counting = 0; /* from its execve on */
		flags = EVENT_LAUNCHED;
	}
	struct task_state *cs = bpf_task_storage_get(&tasks, child, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!cs) {
		count_lost(LOST_TASKS_FULL);
		return 0;
	}
	cs->counting = counting;
	/* Its first event is the exit of the clone its maker entered. */
	cs->in_call = CALL_UNTIMED;
	cs->lid = new_lid();
	send_event(EVENT_NEW, child, maker, cs->lid, flags);
	return 0;
}

SEC("tp_btf/task_rename")
int BPF_PROG(task_rename, struct task_struct *task, const char *comm)
{
	struct task_state *ts = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!ts)
		return 0;
	__u32 old = ts->lid;
	ts->lid = new_lid();
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_lost(LOST_EVENTS_FULL);
		return 0;
	}
	/* The tracepoint comes before the kernel copies the new name in. */
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	e->type = EVENT_RENAME;
	e->lid = old;
	e->new_lid = ts->lid;
	e->tid = ns_pid(BPF_CORE_READ(task, thread_pid));
	e->pid = ns_pid(BPF_CORE_READ(leader, thread_pid));
	e->flags = 0;
	bpf_probe_read_kernel_str(&e->comm, sizeof(e->comm), comm);
	if (leader == task)
		bpf_probe_read_kernel_str(&e->leader_comm, sizeof(e->leader_comm), comm);
	else
		BPF_CORE_READ_STR_INTO(&e->leader_comm, leader, comm);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *task, int old_pid, struct linux_binprm *bprm)
{
	struct task_state *ts = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!ts)
		return 0;
	__u32 old = ts->lid;
	ts->lid = new_lid();
	ts->held = 0; /* the program whose frames they were is gone: no error */
	ts->sigreturning = 0;
	send_event(EVENT_EXEC, task, old, ts->lid, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task)
{
	struct task_state *ts = bpf_task_storage_get(&tasks, task, 0, 0);
	if (!ts)
		return 0;
	send_event(EVENT_EXIT, task, ts->lid, 0, 0);
	bpf_task_storage_delete(&tasks, task);
	return 0;
}

/* adopt_threads runs once per task of the host when userspace attaches
 * to a process: userspace gave the leader storage (by its pidfd), and
 * every other thread of it gets storage here. It writes one byte per
 * thread adopted, so userspace repeats until a pass adopts none. */
SEC("iter/task")
int adopt_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	if (!task)
		return 0;
	struct task_struct *leader = task->group_leader;
	if (!leader || leader == task)
		return 0;
	struct task_state *ls = bpf_task_storage_get(&tasks, leader, 0, 0);
	if (!ls)
		return 0;
	if (bpf_task_storage_get(&tasks, task, 0, 0))
		return 0;
	struct task_state *ts = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts) {
		count_lost(LOST_TASKS_FULL);
		return 0;
	}
	ts->counting = ls->counting;
	ts->in_call = CALL_NONE;
	ts->lid = new_lid();
	send_event(EVENT_NEW, task, ls->lid, ts->lid, 0);
	char one = 1;
	bpf_seq_write(ctx->meta->seq, &one, 1);
	return 0;
}

/* For bpf2go's -type: the Go side decodes these. */
const struct event *unused_event __attribute__((unused));
const struct failure *unused_failure __attribute__((unused));
