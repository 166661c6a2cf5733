package access

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// writeUnnamed writes data to a file in dir that has no name (O_TMPFILE)
// and links it in as path once it is whole and synced: a crash before
// that leaves nothing behind, where a named temporary file would leave
// the plaintext under a hidden name. ok is false where the file system
// cannot (then the caller uses a named temporary file).
func writeUnnamed(dir, path string, data []byte, overwrite bool) (ok bool, err error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false, nil // no O_TMPFILE here (an old kernel, some file systems)
	}
	f := os.NewFile(uintptr(fd), "unnamed")
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return true, err
	}
	if err := f.Sync(); err != nil {
		return true, err
	}
	proc := fmt.Sprintf("/proc/self/fd/%d", fd)
	if !overwrite {
		// Fails with EEXIST if path appeared meanwhile: nothing replaced.
		return true, unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
	}
	// Replacing needs a name to rename from: it exists only between this
	// link and the rename, with the whole content already synced.
	tmp := fmt.Sprintf("%s/.coffer-save-%d", dir, fd)
	if err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW); err != nil {
		return true, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return true, err
	}
	return true, nil
}
