package vault

import (
	"os"

	"golang.org/x/sys/unix"
)

// scratchFile returns a read-write file in dir that has no name: it
// vanishes when closed or when the process dies, whatever kills it. Where
// the file system cannot make one (O_TMPFILE), a named file is made and
// removed at once.
func scratchFile(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return namedScratchFile(dir)
	}
	return os.NewFile(uintptr(fd), "scratch"), nil
}
