package tlsconfig

import (
	"context"
	"errors"
	"os"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

// Record types.
const (
	TypeStatus = "SysUpdate.TlsStatus"
	TypeChange = "SysUpdate.TlsChange"
	TypeProbe  = "SysUpdate.TlsProbe"
)

// StatusOptions are the parameters of tls status: none.
type StatusOptions struct{}

// RunStatus writes the status of this machine.
func RunStatus(out *bridge.Writer, _ *StatusOptions) error {
	sys, err := LocalSystem()
	if err != nil {
		return err
	}
	out.Verbosef("%s (%s), %d-bit", sys.Version.Name(), sys.Version, bits(sys.Version))
	status, _, err := ReadStatus(sys)
	if err != nil {
		return err
	}
	out.Output(TypeStatus, status)
	return nil
}

// RunEnable applies the changes the status calls for and writes what it did.
func RunEnable(out *bridge.Writer, opts *EnableOptions) error {
	sys, err := LocalSystem()
	if err != nil {
		return err
	}
	res, err := Enable(sys, opts)
	if err != nil {
		return err
	}
	verboseChanges(out, res)
	warnBlockers(out, res.Consumers, opts.IncludeWinhttp)
	out.Output(TypeChange, res)
	return nil
}

// RunRestore puts the values of a backup back and writes what it did.
func RunRestore(out *bridge.Writer, opts *RestoreOptions) error {
	sys, err := LocalSystem()
	if err != nil {
		return err
	}
	res, err := Restore(sys, opts)
	if err != nil {
		return err
	}
	verboseChanges(out, res)
	out.Output(TypeChange, res)
	return nil
}

// RunProbe probes a server and writes what it accepts. A server that
// refuses every version still gets its record, before the error.
func RunProbe(ctx context.Context, out *bridge.Writer, opts *ProbeOptions) error {
	local := localOffers()
	if !local.Known {
		out.Verbosef("no comparison with Windows PowerShell: %s", local.Why)
	}
	router, err := proxy.NewRouter(opts.Options, os.Getenv, out)
	if err != nil {
		return err
	}
	opts.Dial = router.DialTunnel
	res, err := Probe(ctx, opts, local)
	if res.Advice != "" {
		out.Output(TypeProbe, res)
	}
	return err
}

// localOffers reads what Windows PowerShell here offers, or says why not.
func localOffers() LocalOffers {
	sys, err := LocalSystem()
	var be *bridge.Error
	if errors.As(err, &be) && be.ID == "WindowsOnly" {
		return LocalOffers{Why: "this is not Windows, so there is no Windows PowerShell here to compare with"}
	}
	if err == nil {
		var status Status
		status, _, err = ReadStatus(sys)
		if err == nil {
			return LocalOffers{Known: true, Verdict: *status.Consumer(ConsumerPowerShell)}
		}
	}
	return LocalOffers{Why: "the TLS settings of this Windows could not be read (" + err.Error() + ")"}
}

func warnBlockers(out *bridge.Writer, verdicts []Verdict, winHTTP bool) {
	for _, v := range verdicts {
		if v.Consumer == ConsumerWinHTTP && !winHTTP {
			continue
		}
		for _, b := range v.Blockers {
			out.Warningf("%s still cannot use TLS 1.2: %s", v.Consumer, b)
		}
	}
}

func verboseChanges(out *bridge.Writer, res ChangeResult) {
	if !out.VerboseEnabled() {
		return
	}
	would := ""
	if res.WhatIf {
		would = "would "
	}
	for _, c := range res.Changes {
		from := "absent"
		if c.Old != nil {
			from = formatDWORD(*c.Old)
		}
		if c.New == nil {
			out.Verbosef("%sdelete %s\\%s, was %s: %s", would, c.Path, c.Name, from, c.Reason)
		} else {
			out.Verbosef("%sset %s\\%s to %s, was %s: %s", would, c.Path, c.Name, formatDWORD(*c.New), from, c.Reason)
		}
	}
	if res.BackupFile != "" && res.Action == "Enable" {
		out.Verbosef("backup of the previous values: %s", res.BackupFile)
	}
}

func bits(v WindowsVersion) int {
	if v.Is64Bit {
		return 64
	}
	return 32
}
