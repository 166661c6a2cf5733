package ingest

import (
	"runtime/debug"
	"testing"

	"coffer/vault"
)

// importGC runs a parser benchmark under the collector settings coffer
// import runs under (vault.ImportGCPercent, vault.ImportMemoryLimit), so
// that its CPU figures are the ones an import sees.
func importGC(b *testing.B) {
	gc := debug.SetGCPercent(vault.ImportGCPercent)
	limit := debug.SetMemoryLimit(vault.ImportMemoryLimit)
	b.Cleanup(func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	})
}
