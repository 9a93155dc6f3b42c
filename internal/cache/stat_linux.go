package cache

import (
	"io/fs"
	"syscall"
)

func identity(_ string, fi fs.FileInfo) (inode uint64, changeTime int64) {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		return sys.Ino, sys.Ctim.Sec*1e9 + sys.Ctim.Nsec
	}
	return 0, 0
}
