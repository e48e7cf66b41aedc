//go:build !amd64

package ptrace

import "syscall"

// spawnDoorbell forks the doorbell (fork.go); amd64 shares our memory
// instead (doorbell_amd64.go).
func spawnDoorbell(mask *uint64) (int, syscall.Errno) {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	return forkChild(&childPlan{doorbell: true, childMask: *mask})
}
