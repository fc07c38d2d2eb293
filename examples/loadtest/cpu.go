package main

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of the CPU times in /proc/PID/stat: USER_HZ, 100
// on every Linux port.
const clockTick = 10 * time.Millisecond

// procCPU returns the CPU time, user and system, that process pid (0 for
// this one) has used so far. It reads /proc, so it reports false off
// Linux.
func procCPU(pid int) (time.Duration, bool) {
	name := "/proc/self/stat"
	if pid != 0 {
		name = "/proc/" + strconv.Itoa(pid) + "/stat"
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return 0, false
	}
	// "pid (comm) state ppid …": comm may hold spaces and parentheses;
	// utime and stime are the 12th and 13th fields after it.
	paren := bytes.LastIndexByte(data, ')')
	if paren < 0 {
		return 0, false
	}
	fields := bytes.Fields(data[paren+1:])
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}

// cpuMeter measures the CPU time the server and the load test use during
// a phase, where it can.
type cpuMeter struct {
	serverPID int // 0 if the server is not this program's child

	server, self     time.Duration
	serverOK, selfOK bool
}

// start takes the first reading.
func (m *cpuMeter) start() {
	m.self, m.selfOK = procCPU(0)
	m.serverOK = false
	if m.serverPID != 0 {
		m.server, m.serverOK = procCPU(m.serverPID)
	}
}

// stop returns the CPU time used since start, 0 where unknown.
func (m *cpuMeter) stop() (server, self time.Duration) {
	if t, ok := procCPU(0); ok && m.selfOK {
		self = t - m.self
	}
	if m.serverOK {
		if t, ok := procCPU(m.serverPID); ok {
			server = t - m.server
		}
	}
	return server, self
}
