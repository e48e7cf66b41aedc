package backend

import "fmt"

// AttachReason classifies why an attach failed; it is the value of the
// reason label of syscall_exporter_attach_errors_total.
type AttachReason int

// The reasons an attach fails.
const (
	ReasonNotFound AttachReason = iota
	ReasonPermissionDenied
	ReasonAlreadyTraced
	ReasonSelf
	ReasonOther
	NumAttachReasons
)

var attachReasonNames = [NumAttachReasons]string{"not_found", "permission_denied", "already_traced", "self", "other"}

func (r AttachReason) String() string { return attachReasonNames[r] }

// AttachReasons lists every reason, so that metrics can start at zero.
func AttachReasons() []AttachReason {
	rs := make([]AttachReason, NumAttachReasons)
	for i := range rs {
		rs[i] = AttachReason(i)
	}
	return rs
}

// AttachError says why a PID could not be traced and how to fix it.
type AttachError struct {
	PID    int
	Reason AttachReason
	Detail string
}

func (e *AttachError) Error() string {
	return fmt.Sprintf("cannot trace PID %d: %s", e.PID, e.Detail)
}
