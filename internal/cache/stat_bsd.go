//go:build darwin || freebsd || netbsd

package cache

import (
	"io/fs"
	"syscall"
)

func identity(_ string, fi fs.FileInfo) (inode uint64, changeTime int64) {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(sys.Ino), sys.Ctimespec.Sec*1e9 + int64(sys.Ctimespec.Nsec)
	}
	return 0, 0
}
