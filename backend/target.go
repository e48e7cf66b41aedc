package backend

// Target is a traced process as the backend sees it now, for people to
// look at (the landing page).
type Target struct {
	PID, PPID int
	Name      string
	// Launched is true for the command the exporter started; the others
	// were attached, discovered, or followed through fork.
	Launched    bool
	Threads     []TargetThread // by TID
	MoreThreads int            // threads left out of Threads
}

// TargetThread is one thread of a Target.
type TargetThread struct {
	TID   int
	Name  string
	State string // as in /proc: "S (sleeping)", "t (tracing stop)"…
	// Attach says whether the backend follows the thread now: "traced",
	// "not traced" (a thread born an instant ago), or who else traces it.
	Attach string
}
