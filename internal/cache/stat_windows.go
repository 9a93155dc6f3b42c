//go:build windows

package cache

import (
	"io/fs"
	"unsafe"

	"golang.org/x/sys/windows"
)

// identity reads the file index (the inode's counterpart) and the change
// time, which NTFS keeps like a Unix ctime and which os.Stat does not
// report: it costs an open of the file, without reading it.
func identity(name string, _ fs.FileInfo) (inode uint64, changeTime int64) {
	p, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return 0, 0
	}
	h, err := windows.CreateFile(p, windows.FILE_READ_ATTRIBUTES,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_FLAG_BACKUP_SEMANTICS, 0)
	if err != nil {
		return 0, 0
	}
	defer windows.CloseHandle(h)
	var info windows.ByHandleFileInformation
	if windows.GetFileInformationByHandle(h, &info) == nil {
		inode = uint64(info.FileIndexHigh)<<32 | uint64(info.FileIndexLow)
	}
	var basic fileBasicInfo
	if windows.GetFileInformationByHandleEx(h, windows.FileBasicInfo, (*byte)(unsafe.Pointer(&basic)), uint32(unsafe.Sizeof(basic))) == nil {
		changeTime = basic.ChangeTime
	}
	return inode, changeTime
}

// fileBasicInfo is Windows' FILE_BASIC_INFO, which x/sys does not declare.
type fileBasicInfo struct {
	CreationTime, LastAccessTime, LastWriteTime, ChangeTime int64
	FileAttributes                                          uint32
	_                                                       uint32
}
