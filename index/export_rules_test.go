package index

// Words returns the terms of s as the index sees them, for tests that
// build phrases which occur.
func (ix *Index) Words(s string) []string { return ix.analyze(s) }

// SetRuleMemoBytes sets the budget of Rules' memo until the returned
// function restores it.
func SetRuleMemoBytes(n int) (restore func()) {
	was := ruleMemoBytes
	ruleMemoBytes = n
	return func() { ruleMemoBytes = was }
}
