package ui

import "coffer/vault/audit"

// LogOf returns the model's audit session, for tests that break it.
func LogOf(m *Model) *audit.Log {
	if m.sess != nil {
		return m.sess.Log
	}
	return m.log
}
