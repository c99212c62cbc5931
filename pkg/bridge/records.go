package bridge

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// The streams a record can go to.
const (
	StreamOutput   = "Output"
	StreamProgress = "Progress"
	StreamVerbose  = "Verbose"
	StreamWarning  = "Warning"
	StreamError    = "Error"
)

// Envelope is one line of standard output.
type Envelope struct {
	Stream string `json:"Stream"`
	Type   string `json:"Type,omitempty"`
	Data   any    `json:"Data"`
}

// ProgressRecord is the payload of a Progress record. Sizes are in bytes;
// PercentComplete is -1 when the total is unknown.
type ProgressRecord struct {
	Activity        string `json:"Activity"`
	Status          string `json:"Status"`
	PercentComplete int    `json:"PercentComplete"`
	Bytes           int64  `json:"Bytes"`
	TotalBytes      int64  `json:"TotalBytes"`
	BytesPerSecond  int64  `json:"BytesPerSecond"`
	Completed       bool   `json:"Completed,omitempty"`
}

type messageRecord struct {
	Message string `json:"Message"`
}

// progressInterval keeps Progress records to about five a second.
const progressInterval = 200 * time.Millisecond

// Writer writes records to standard output. It is safe for concurrent use.
// In text mode, for a person at a terminal, records are rendered as lines
// of text and progress as a bar on a separate writer.
type Writer struct {
	mu           sync.Mutex
	out          io.Writer
	progressOut  io.Writer // text mode only; nil draws no bar
	text         bool
	verbose      bool
	quiet        bool
	lastProgress time.Time
	barDrawn     bool
	now          func() time.Time
}

// NewWriter returns a Writer of NDJSON records to out. Verbose records are
// written only when verbose is true.
func NewWriter(out io.Writer, verbose bool) *Writer {
	return &Writer{out: out, verbose: verbose, now: time.Now}
}

// NewTextWriter returns a Writer that renders records as text for a person,
// drawing progress on progressOut (nil for none).
func NewTextWriter(out, progressOut io.Writer, verbose bool) *Writer {
	return &Writer{out: out, progressOut: progressOut, text: true, verbose: verbose, now: time.Now}
}

// SetQuiet turns progress records off, for callers that show none.
func (w *Writer) SetQuiet(quiet bool) {
	w.mu.Lock()
	w.quiet = quiet
	w.mu.Unlock()
}

// VerboseEnabled reports whether Verbose records are written, so callers can
// skip building messages nobody reads.
func (w *Writer) VerboseEnabled() bool { return w != nil && w.verbose }

// Output writes an object of PowerShell type typeName.
func (w *Writer) Output(typeName string, data any) {
	w.write(Envelope{Stream: StreamOutput, Type: typeName, Data: data})
}

// Verbosef writes a Verbose record when verbose records are on.
func (w *Writer) Verbosef(format string, args ...any) {
	if !w.VerboseEnabled() {
		return
	}
	w.write(Envelope{Stream: StreamVerbose, Data: messageRecord{fmt.Sprintf(format, args...)}})
}

// Warningf writes a Warning record.
func (w *Writer) Warningf(format string, args ...any) {
	if w == nil {
		return
	}
	w.write(Envelope{Stream: StreamWarning, Data: messageRecord{fmt.Sprintf(format, args...)}})
}

// Error writes an Error record for err.
func (w *Writer) Error(err error) {
	if w == nil || err == nil {
		return
	}
	w.write(Envelope{Stream: StreamError, Data: Record(err)})
}

// Progress writes a Progress record unless one was written less than
// progressInterval ago. Completed records are always written.
func (w *Writer) Progress(p ProgressRecord) {
	if w == nil {
		return
	}
	w.mu.Lock()
	now := w.now()
	if w.quiet || (!p.Completed && now.Sub(w.lastProgress) < progressInterval) {
		w.mu.Unlock()
		return
	}
	w.lastProgress = now
	w.mu.Unlock()
	w.write(Envelope{Stream: StreamProgress, Data: p})
}

func (w *Writer) write(e Envelope) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.text {
		w.writeText(e)
		return
	}
	line, err := json.Marshal(e)
	if err != nil {
		line, _ = json.Marshal(Envelope{Stream: StreamError, Data: Record(
			Wrap(KindInternal, "RecordEncoding", err, "encode %s record", e.Stream))})
	}
	line = append(line, '\n')
	w.out.Write(line) //nolint:errcheck // a closed stdout leaves nobody to tell
}

// writeText renders a record for a person. Called with w.mu held.
func (w *Writer) writeText(e Envelope) {
	if e.Stream == StreamProgress {
		w.drawBar(e.Data.(ProgressRecord))
		return
	}
	w.clearBar()
	switch e.Stream {
	case StreamVerbose:
		fmt.Fprintf(w.out, "VERBOSE: %s\n", e.Data.(messageRecord).Message)
	case StreamWarning:
		fmt.Fprintf(w.out, "WARNING: %s\n", e.Data.(messageRecord).Message)
	case StreamError:
		r := e.Data.(ErrorRecord)
		fmt.Fprintf(w.out, "error: %s (%s, exit %d)\n", r.Message, r.ErrorID, r.ExitCode)
	default:
		writeFields(w.out, e.Data)
		fmt.Fprintln(w.out)
	}
}

// writeFields prints an object as "Name : value" lines, as PowerShell's
// Format-List does, by way of its JSON form so that field names match.
func writeFields(out io.Writer, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		fmt.Fprintln(out, data)
		return
	}
	var fields map[string]any
	if json.Unmarshal(raw, &fields) != nil {
		fmt.Fprintln(out, string(raw))
		return
	}
	names := make([]string, 0, len(fields))
	width := 0
	for name := range fields {
		names = append(names, name)
		if len(name) > width {
			width = len(name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		value := fields[name]
		var s string
		switch v := value.(type) {
		case string:
			s = v
		case nil:
			s = ""
		default:
			b, _ := json.Marshal(v)
			s = string(b)
		}
		if len(s) > 200 {
			s = s[:200] + "..."
		}
		s = strings.ReplaceAll(s, "\n", " ")
		fmt.Fprintf(out, "%-*s : %s\n", width, name, s)
	}
}

func (w *Writer) drawBar(p ProgressRecord) {
	if w.progressOut == nil {
		return
	}
	if p.Completed {
		w.clearBar()
		return
	}
	const cells = 30
	bar := strings.Repeat("?", cells)
	if p.PercentComplete >= 0 {
		done := p.PercentComplete * cells / 100
		bar = strings.Repeat("#", done) + strings.Repeat(".", cells-done)
	}
	fmt.Fprintf(w.progressOut, "\r%s [%s] %s %s/s\x1b[K", p.Status, bar,
		FormatBytes(p.Bytes), FormatBytes(p.BytesPerSecond))
	w.barDrawn = true
}

func (w *Writer) clearBar() {
	if w.barDrawn {
		fmt.Fprint(w.progressOut, "\r\x1b[K")
		w.barDrawn = false
	}
}

// FormatBytes renders a size for people: 1.5 MiB.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
