package ui

// InterruptAudit breaks the model's audit session, for tests of what
// happens when nothing can be recorded.
func InterruptAudit(m *Model) error {
	if m.sess != nil {
		return m.sess.InterruptAudit()
	}
	return m.gate.InterruptAudit()
}
