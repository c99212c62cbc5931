package bridge

import (
	"sync"
	"time"
)

// Meter turns a count of bytes into Progress records for one activity. It
// is safe for concurrent use, so parallel workers can share one.
type Meter struct {
	w        *Writer
	activity string
	now      func() time.Time

	mu     sync.Mutex
	status string
	bytes  int64
	total  int64
	start  time.Time
}

// NewMeter starts measuring an activity whose size is total bytes (-1 or 0
// when unknown).
func (w *Writer) NewMeter(activity, status string, total int64) *Meter {
	return &Meter{w: w, activity: activity, status: status, total: total, now: time.Now, start: time.Now()}
}

// SetStatus changes the status line, such as the name of the current file.
func (m *Meter) SetStatus(status string) {
	m.mu.Lock()
	m.status = status
	m.mu.Unlock()
}

// SetTotal changes the expected size, once it is known.
func (m *Meter) SetTotal(total int64) {
	m.mu.Lock()
	m.total = total
	m.mu.Unlock()
}

// Add counts n more bytes done and reports progress.
func (m *Meter) Add(n int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.bytes += n
	rec := m.record()
	m.mu.Unlock()
	m.w.Progress(rec)
}

// Write counts len(p) bytes, so a Meter can stand in an io.MultiWriter.
func (m *Meter) Write(p []byte) (int, error) {
	m.Add(int64(len(p)))
	return len(p), nil
}

// Done reports the activity complete.
func (m *Meter) Done() {
	if m == nil {
		return
	}
	m.mu.Lock()
	rec := m.record()
	m.mu.Unlock()
	rec.Completed = true
	m.w.Progress(rec)
}

// record builds the current record. Called with m.mu held.
func (m *Meter) record() ProgressRecord {
	rec := ProgressRecord{
		Activity:        m.activity,
		Status:          m.status,
		PercentComplete: -1,
		Bytes:           m.bytes,
		TotalBytes:      m.total,
	}
	if m.total > 0 {
		pct := int(m.bytes * 100 / m.total)
		if pct > 100 {
			pct = 100
		}
		rec.PercentComplete = pct
	}
	if elapsed := m.now().Sub(m.start).Seconds(); elapsed > 0 {
		rec.BytesPerSecond = int64(float64(m.bytes) / elapsed)
	}
	return rec
}
