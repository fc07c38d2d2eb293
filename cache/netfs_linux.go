package cache

import "syscall"

// networkFileSystems maps the statfs magic numbers of file systems whose
// changes made on other hosts raise no inotify event.
var networkFileSystems = map[uint32]string{
	0x6969:     "nfs",
	0x517b:     "smb",
	0xff534d42: "cifs",
	0xfe534d42: "smb2",
	0x65735546: "fuse",
	0x01021997: "9p",
	0x00c36400: "ceph",
	0x5346414f: "afs",
	0x6b414653: "afs",
	0x73757245: "coda",
	0x564c:     "ncp",
	0x01161970: "gfs2",
	0x7461636f: "ocfs2",
	0x0bd00bd0: "lustre",
}

// networkFS reports whether dir is on a network (or user-space) file
// system, and which: there, a watch sees only this host's changes.
func networkFS(dir string) (string, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "", false
	}
	name, ok := networkFileSystems[uint32(st.Type)]
	return name, ok
}
