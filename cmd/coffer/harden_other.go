//go:build unix && !linux && !darwin && !freebsd

package main

// denyTrace does nothing where coffer knows no way to refuse debuggers:
// the core limit (harden) is all these systems get.
func denyTrace() {}
