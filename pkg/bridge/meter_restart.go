package bridge

// Restart counts again from zero, for an activity that starts over, such
// as a download taken up again after its connection broke: its records
// then never show more bytes than the total.
func (m *Meter) Restart() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.bytes = 0
	m.start = m.now()
	m.mu.Unlock()
}
