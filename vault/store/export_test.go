package store

// SetSpoolMemory lowers the spool's memory for a test; the returned
// function puts it back.
func SetSpoolMemory(n int) func() {
	old := spoolMemory
	spoolMemory = n
	return func() { spoolMemory = old }
}
