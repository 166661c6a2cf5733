//go:build !linux

package store

import "os"

// ScratchFile returns a read-write file in dir that has no name, removed
// as soon as it is made: it vanishes when closed or when the process
// dies.
func ScratchFile(dir string) (*os.File, error) { return namedScratch(dir) }
