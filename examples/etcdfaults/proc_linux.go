package main

import "syscall"

// dieWithParent returns the attributes of a child that the kernel kills if
// this process dies, even by SIGKILL or a crash, when its deferred
// clean-up cannot run.
func dieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// stopWithParent asks the kernel for SIGTERM when the process that
// started this one (go run) exits, so that the run stops and kills its
// children rather than go on alone.
func stopWithParent() {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}
