package cache

import (
	"fmt"
	"syscall"
)

// localFileSystems maps the statfs magic numbers of file systems on local
// storage, whose every change raises an inotify event. Any other file
// system (NFS, SMB, FUSE, 9p, a cluster file system, one not known here)
// may change on another host unseen, and is polled.
var localFileSystems = map[uint32]string{
	0xef53:     "ext4",
	0x58465342: "xfs",
	0x9123683e: "btrfs",
	0x01021994: "tmpfs",
	0x858458f6: "ramfs",
	0x794c7630: "overlayfs",
	0x2fc12fc1: "zfs",
	0xf2f52010: "f2fs",
	0xca451a4e: "bcachefs",
	0x3153464a: "jfs",
	0x52654973: "reiserfs",
	0x3434:     "nilfs",
	0x4d44:     "vfat",
	0x2011bab0: "exfat",
	0x7366746e: "ntfs3",
	0x482b:     "hfsplus",
}

// networkFS reports whether dir is on a file system not known to be local,
// and which: there, a watch may see only this host's changes.
func networkFS(dir string) (string, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "", false // the watch itself will fail, and say why
	}
	magic := uint32(st.Type)
	if _, local := localFileSystems[magic]; local {
		return "", false
	}
	return fmt.Sprintf("%#x", magic), true
}
