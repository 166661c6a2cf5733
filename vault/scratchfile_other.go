//go:build !linux

package vault

import "os"

// scratchFile returns a read-write file in dir that has no name, removed
// as soon as it is made: it vanishes when closed or when the process
// dies.
func scratchFile(dir string) (*os.File, error) { return namedScratchFile(dir) }
