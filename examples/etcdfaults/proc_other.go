//go:build unix && !linux

package main

import "syscall"

// dieWithParent returns no attributes: only Linux kills a child when its
// parent dies. The run kills its children on every exit it sees.
func dieWithParent() *syscall.SysProcAttr { return nil }

// stopWithParent does nothing: only Linux signals a process when its
// parent exits.
func stopWithParent() {}
