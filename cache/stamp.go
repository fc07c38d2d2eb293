package cache

import "io/fs"

// fileStamp is what a stat tells of a record file that changes whenever
// the file's content or its names do: a write in place changes its size,
// modification or change time, and a link made or removed changes its
// link count and change time. The directory store compares a record's
// stamp with the one it had when read (see servedSet).
type fileStamp struct {
	dev, ino     uint64
	nlink        uint64
	size         int64
	mtime, ctime int64 // ns since the epoch; ctime 0 where unknown
}

// stampOf returns the stamp of the file fi describes.
func stampOf(fi fs.FileInfo) fileStamp {
	if st := statOf(fi); st != nil {
		return stampOfStat(st)
	}
	return fileStamp{nlink: 1, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
}
