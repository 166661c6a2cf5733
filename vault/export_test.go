package vault

// PlaintextBytes is the size of the loaded, decoded segment bodies.
func PlaintextBytes(v *Vault) int64 {
	var n int64
	for _, s := range v.segments {
		n += int64(len(s.body))
	}
	return n
}
