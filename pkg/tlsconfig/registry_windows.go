package tlsconfig

import (
	"errors"
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// SystemRegistry is the machine's own registry.
type SystemRegistry struct{}

// viewAccess chooses the registry view explicitly, so a 32-bit build on
// 64-bit Windows still reads the native values and the other way round.
func viewAccess(view View) uint32 {
	if view == View32 {
		return registry.WOW64_32KEY
	}
	return registry.WOW64_64KEY
}

func classify(err error) error {
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
		return ErrAccessDenied
	}
	return err
}

func notFound(err error) bool {
	return errors.Is(err, registry.ErrNotExist) || errors.Is(err, windows.ERROR_FILE_NOT_FOUND) ||
		errors.Is(err, windows.ERROR_PATH_NOT_FOUND)
}

// GetDWORD implements Registry.
func (SystemRegistry) GetDWORD(view View, key, name string) (uint32, bool, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.QUERY_VALUE|viewAccess(view))
	if notFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, classify(err)
	}
	defer k.Close()
	v, typ, err := k.GetIntegerValue(name)
	if notFound(err) {
		return 0, false, nil
	}
	if errors.Is(err, registry.ErrUnexpectedType) {
		return 0, false, errNotDWORD(view, key, name, typ)
	}
	if err != nil {
		return 0, false, classify(err)
	}
	if typ != registry.DWORD {
		return 0, false, errNotDWORD(view, key, name, typ)
	}
	return uint32(v), true, nil
}

// SetDWORD implements Registry.
func (SystemRegistry) SetDWORD(view View, key, name string, data uint32) error {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, key, registry.SET_VALUE|viewAccess(view))
	if err != nil {
		return classify(err)
	}
	defer k.Close()
	return classify(k.SetDWordValue(name, data))
}

// DeleteValue implements Registry.
func (SystemRegistry) DeleteValue(view View, key, name string) error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.SET_VALUE|viewAccess(view))
	if notFound(err) {
		return nil
	}
	if err != nil {
		return classify(err)
	}
	defer k.Close()
	err = k.DeleteValue(name)
	if notFound(err) {
		return nil
	}
	return classify(err)
}

// KeyExists implements Registry.
func (SystemRegistry) KeyExists(view View, key string) (bool, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.QUERY_VALUE|viewAccess(view))
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err)
	}
	k.Close()
	return true, nil
}

// DeleteEmptyKey implements Registry.
func (SystemRegistry) DeleteEmptyKey(view View, key string) (bool, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, key, registry.QUERY_VALUE|registry.ENUMERATE_SUB_KEYS|viewAccess(view))
	if notFound(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err)
	}
	info, err := k.Stat()
	k.Close()
	if err != nil {
		return false, classify(err)
	}
	if info.SubKeyCount > 0 || info.ValueCount > 0 {
		return false, nil
	}
	i := strings.LastIndex(key, `\`)
	if i < 0 {
		return false, nil // never a root's direct child such as SOFTWARE
	}
	// The parent is opened in the view, so the subkey is deleted there.
	parent, err := registry.OpenKey(registry.LOCAL_MACHINE, key[:i], registry.ENUMERATE_SUB_KEYS|viewAccess(view))
	if err != nil {
		return false, classify(err)
	}
	defer parent.Close()
	if err := registry.DeleteKey(parent, key[i+1:]); err != nil {
		return false, classify(err)
	}
	return true, nil
}
