package main

import (
	"testing"

	"golang.org/x/sys/unix"
)

func traceDenied(t *testing.T) (denied, known bool) {
	d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return d == 0, true
}
