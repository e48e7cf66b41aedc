//go:build !amd64

package ptrace

import "syscall"

// spawnLaunch forks the launch child (fork.go); amd64 shares our memory
// instead (spawn_amd64.go).
func spawnLaunch(p *childPlan) (int, syscall.Errno) {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	return forkChild(p)
}
