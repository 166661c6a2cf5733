package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// ScratchFile returns a read-write file in dir that has no name: it
// vanishes when closed or when the process dies, whatever kills it. Where
// the file system cannot make one (O_TMPFILE), a named file is made and
// removed at once. Only what may reach disk goes in one: sealed ids (an
// import's spill), ciphertext on its way to a bucket (spool).
func ScratchFile(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return namedScratch(dir)
	}
	return os.NewFile(uintptr(fd), "scratch"), nil
}
