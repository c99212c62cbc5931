package bridge

import (
	"context"
	"errors"
	"fmt"
)

// Kind classifies a failure by who can fix it. Each kind has one exit code;
// ExitCode is the only place where errors become exit codes.
type Kind int

// The kinds, in the order of the exit codes they map to.
const (
	KindInternal    Kind = iota // a defect in sysupdate: exit 1
	KindUsage                   // bad flags or a bad request: exit 2
	KindNetwork                 // network, TLS or proxy failure: exit 3
	KindHTTPStatus              // the server answered with an error status: exit 4
	KindArchive                 // the archive is invalid or unsafe: exit 5
	KindLocal                   // file system or registry failure: exit 6
	KindPartial                 // some items failed, the others succeeded: exit 7
	KindInterrupted             // stopped by a signal: exit 130
)

// Exit codes, one meaning each. The module and scripts branch on them.
const (
	ExitSuccess     = 0
	ExitInternal    = 1
	ExitUsage       = 2
	ExitNetwork     = 3
	ExitHTTPStatus  = 4
	ExitArchive     = 5
	ExitLocal       = 6
	ExitPartial     = 7
	ExitInterrupted = 130
)

var kindExit = map[Kind]int{
	KindInternal:    ExitInternal,
	KindUsage:       ExitUsage,
	KindNetwork:     ExitNetwork,
	KindHTTPStatus:  ExitHTTPStatus,
	KindArchive:     ExitArchive,
	KindLocal:       ExitLocal,
	KindPartial:     ExitPartial,
	KindInterrupted: ExitInterrupted,
}

// kindCategory is the ErrorCategory used when an Error does not name one.
var kindCategory = map[Kind]string{
	KindInternal:    "NotSpecified",
	KindUsage:       "InvalidArgument",
	KindNetwork:     "ConnectionError",
	KindHTTPStatus:  "InvalidOperation",
	KindArchive:     "InvalidData",
	KindLocal:       "WriteError",
	KindPartial:     "NotSpecified",
	KindInterrupted: "OperationStopped",
}

// Error is a failure a user can act on. It becomes an Error record: ID is
// the stable ErrorId, Category a System.Management.Automation.ErrorCategory
// name, Target the object the failure concerns (a URL without credentials,
// a path), Details any further facts (status code, entry name).
type Error struct {
	Kind     Kind
	ID       string
	Category string
	Message  string
	Target   string
	Details  map[string]any
	Err      error // the cause, kept for errors.Is and errors.As
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an Error of kind k with a formatted message.
func New(k Kind, id, format string, args ...any) *Error {
	return &Error{Kind: k, ID: id, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error of kind k whose message is the formatted context
// followed by the cause's message.
func Wrap(k Kind, id string, err error, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if err != nil {
		msg += ": " + err.Error()
	}
	return &Error{Kind: k, ID: id, Message: msg, Err: err}
}

// Usagef returns a usage Error (exit 2).
func Usagef(id, format string, args ...any) *Error {
	return New(KindUsage, id, format, args...)
}

// WithTarget sets the target object and returns e.
func (e *Error) WithTarget(target string) *Error {
	e.Target = target
	return e
}

// WithDetail adds one detail and returns e.
func (e *Error) WithDetail(key string, value any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = value
	return e
}

// WithCategory sets the ErrorCategory name and returns e.
func (e *Error) WithCategory(category string) *Error {
	e.Category = category
	return e
}

// AsError returns err as an *Error. A context cancellation becomes an
// interruption; anything else that is not already an *Error is an internal
// failure, since every failure a user can cause should have been classified
// where it happened.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.Canceled) {
		return &Error{Kind: KindInterrupted, ID: "Interrupted", Message: "interrupted", Err: err}
	}
	return &Error{Kind: KindInternal, ID: "InternalError", Message: err.Error(), Err: err}
}

// ExitCode maps an error to the process exit code; nil is success.
func ExitCode(err error) int {
	if err == nil {
		return ExitSuccess
	}
	return kindExit[AsError(err).Kind]
}

// ErrorRecord is the payload of an Error record.
type ErrorRecord struct {
	ErrorID      string         `json:"ErrorId"`
	Category     string         `json:"Category"`
	Message      string         `json:"Message"`
	TargetObject string         `json:"TargetObject,omitempty"`
	ExitCode     int            `json:"ExitCode"`
	Details      map[string]any `json:"Details"`
}

// Record returns the payload that describes err.
func Record(err error) ErrorRecord {
	e := AsError(err)
	cat := e.Category
	if cat == "" {
		cat = kindCategory[e.Kind]
	}
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	id := e.ID
	if id == "" {
		id = "Unspecified"
	}
	return ErrorRecord{
		ErrorID:      id,
		Category:     cat,
		Message:      e.Message,
		TargetObject: e.Target,
		ExitCode:     kindExit[e.Kind],
		Details:      details,
	}
}
