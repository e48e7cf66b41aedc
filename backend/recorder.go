package backend

import "syscall"

// RecentCalls are one thread's last calls, oldest first, as a flight
// recorder (--flight-recorder) kept them. Each Call's Thread and Details
// are nil: Thread says whose they are.
type RecentCalls struct {
	Thread Thread
	Calls  []Call
}

// Crash is the death of a traced process by a signal that dumps core
// (SIGSEGV, SIGBUS, SIGABRT…), with the last calls of each of its threads.
type Crash struct {
	PID     int32
	Process string // the leader's name: the process label
	Signal  syscall.Signal
	// TID is the thread the signal was delivered to, if the backend saw
	// it (a signal-delivery stop); else the first thread reported dead.
	TID  int32
	Time int64 // monotonic (Now), when the backend saw the death
	// Threads are the process's threads at its death, TID's first; their
	// Calls are empty without a flight recorder.
	Threads []RecentCalls
}

// CrashObserver hears of crashes, on the backend's thread: it must not
// block.
type CrashObserver interface {
	ProcessCrashed(c *Crash)
}

// FlightRecorder is a backend that keeps each thread's last calls.
type FlightRecorder interface {
	// RecentCalls copies every live thread's recorded calls, without
	// stopping any; nil when the recorder is off.
	RecentCalls() []RecentCalls
}
