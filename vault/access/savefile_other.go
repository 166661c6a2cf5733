//go:build !linux

package access

// writeUnnamed is Linux's O_TMPFILE path; elsewhere the caller writes
// through a named temporary file.
func writeUnnamed(dir, path string, data []byte, overwrite bool) (bool, error) { return false, nil }
