package fsys

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// localFileSystems maps the statfs magic numbers of file systems on local
// storage, whose every change raises an inotify event.
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

// NetworkFS reports whether dir is on a file system not known to be
// local (NFS, SMB, FUSE, 9p, a cluster file system, one not known here),
// which may change on another host unseen, and names it by its statfs
// magic number. It reports false if dir cannot be examined.
func NetworkFS(dir string) (string, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return "", false
	}
	return classify(uint32(st.Type))
}

// classify names the file system whose statfs magic number is magic,
// unless it is known to be local.
func classify(magic uint32) (string, bool) {
	if _, local := localFileSystems[magic]; local {
		return "", false
	}
	return fmt.Sprintf("%#x", magic), true
}
