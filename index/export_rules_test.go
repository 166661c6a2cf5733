package index

// Words returns the terms of s as the index sees them, for tests that
// build phrases which occur.
func (ix *Index) Words(s string) []string { return ix.analyze(s) }
