package fsys

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name    string
		magic   uint32
		network bool
	}{
		{"ext4", unix.EXT4_SUPER_MAGIC, false},
		{"xfs", unix.XFS_SUPER_MAGIC, false},
		{"btrfs", unix.BTRFS_SUPER_MAGIC, false},
		{"tmpfs", unix.TMPFS_MAGIC, false},
		{"overlayfs", unix.OVERLAYFS_SUPER_MAGIC, false},
		{"NFS", unix.NFS_SUPER_MAGIC, true},
		{"SMB", unix.SMB_SUPER_MAGIC, true},
		{"SMB2", unix.SMB2_SUPER_MAGIC, true},
		{"CIFS", unix.CIFS_SUPER_MAGIC, true},
		{"FUSE", unix.FUSE_SUPER_MAGIC, true},
		{"9p", unix.V9FS_MAGIC, true},
		{"Ceph", unix.CEPH_SUPER_MAGIC, true},
		{"unknown", 0x12345678, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name, network := classify(tt.magic)
			assert.Equal(t, tt.network, network)
			if tt.network {
				assert.Equal(t, fmt.Sprintf("%#x", tt.magic), name)
			} else {
				assert.Empty(t, name)
			}
		})
	}
}

func TestNetworkFS(t *testing.T) {
	magic := func(dir string) uint32 {
		var st unix.Statfs_t
		require.NoError(t, unix.Statfs(dir, &st))
		return uint32(st.Type)
	}
	t.Run("test directory", func(t *testing.T) {
		dir := t.TempDir()
		name, network := NetworkFS(dir)
		assert.False(t, network, "%s (statfs magic %#x) is not local: %q", dir, magic(dir), name)
	})
	t.Run("tmpfs", func(t *testing.T) {
		require.Equal(t, uint32(unix.TMPFS_MAGIC), magic("/dev/shm"), "statfs magic of /dev/shm")
		name, network := NetworkFS("/dev/shm")
		assert.False(t, network, "tmpfs is not local: %q", name)
	})
	t.Run("unknown", func(t *testing.T) {
		// /proc is no network file system, but not one known to hold
		// records either: the cache would poll there.
		require.Equal(t, uint32(unix.PROC_SUPER_MAGIC), magic("/proc"), "statfs magic of /proc")
		name, network := NetworkFS("/proc")
		assert.True(t, network)
		assert.Equal(t, fmt.Sprintf("%#x", unix.PROC_SUPER_MAGIC), name)
	})
	t.Run("missing", func(t *testing.T) {
		name, network := NetworkFS(t.TempDir() + "/missing")
		assert.False(t, network, "a directory that cannot be examined: %q", name)
	})
}
