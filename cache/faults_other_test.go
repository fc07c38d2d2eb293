//go:build !unix

package cache

// platformBadRecords: no broken record here beyond those of every platform.
var platformBadRecords []badRecordCase
