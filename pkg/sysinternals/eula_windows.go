//go:build windows

package sysinternals

import (
	"golang.org/x/sys/windows/registry"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// AcceptEulas sets HKCU\Software\Sysinternals\<key>\EulaAccepted = 1 for
// every program in dir, as the tools do when their user clicks Agree.
func AcceptEulas(out *bridge.Writer, dir string) error {
	keys, err := toolKeys(dir)
	if err != nil {
		return bridge.Wrap(bridge.KindLocal, "FolderUnreadable", err, "list the programs").WithTarget(dir)
	}
	for _, name := range keys {
		path := `Software\Sysinternals\` + name
		k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.SET_VALUE)
		if err == nil {
			err = k.SetDWordValue("EulaAccepted", 1)
			k.Close()
		}
		if err != nil {
			return bridge.Wrap(bridge.KindLocal, "RegistryUnwritable", err, `set HKCU\%s\EulaAccepted`, path).
				WithTarget(`HKCU\` + path)
		}
		out.Verbosef(`HKCU\%s\EulaAccepted = 1`, path)
	}
	return nil
}
