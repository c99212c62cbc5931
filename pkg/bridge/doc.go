// Package bridge is the protocol between the sysupdate executable and the
// SysUpdate PowerShell module: NDJSON records on standard output, requests
// as JSON on standard input, error kinds and the exit codes they map to.
//
// Every record is one line holding an Envelope. Stream names the PowerShell
// stream the module writes the record to; Type, on Output records only, is
// the PowerShell type name the module gives the object. Payload field names
// are PowerShell property names, so the module adds type names and nothing
// else.
package bridge
