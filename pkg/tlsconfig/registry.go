// Package tlsconfig inspects and fixes the Windows registry settings that
// decide which TLS versions Windows PowerShell, other .NET Framework
// programs and WinHTTP offer, backs them up and restores them, and probes
// which TLS versions a server accepts.
//
// The rules live in Evaluate, a pure function of the Windows version and
// the registry values; registry access is behind the Registry interface so
// that every Windows version's rules are tested without Windows.
package tlsconfig

import (
	"errors"
	"sort"
	"strings"
	"sync"
)

// View is a registry view. On 64-bit Windows, 32-bit programs see
// HKLM\SOFTWARE through a separate view (Wow6432Node) with values of its
// own; on 32-bit Windows there is only the native view.
type View string

// The registry views.
const (
	ViewNative View = "Native"      // the operating system's own view
	View32     View = "Wow6432Node" // what 32-bit programs see on 64-bit Windows
)

// ErrAccessDenied is returned by a Registry when a write is refused, which
// for HKLM means the process is not elevated.
var ErrAccessDenied = errors.New("access denied")

// Registry reads and writes DWORD values under HKEY_LOCAL_MACHINE. Keys are
// given without the HKLM prefix, such as `SOFTWARE\Microsoft\.NETFramework`.
type Registry interface {
	// GetDWORD returns a value's data and whether it is present. A missing
	// key or value is not an error.
	GetDWORD(view View, key, name string) (data uint32, present bool, err error)
	// SetDWORD writes a value, creating the key when needed.
	SetDWORD(view View, key, name string, data uint32) error
	// DeleteValue removes a value; a missing key or value is not an error.
	DeleteValue(view View, key, name string) error
	// KeyExists reports whether a key is present.
	KeyExists(view View, key string) (bool, error)
	// DeleteEmptyKey removes a key that holds no values and no subkeys,
	// and reports whether it did; a missing key is not an error.
	DeleteEmptyKey(view View, key string) (bool, error)
}

// MemoryRegistry is a Registry held in memory, for tests and for
// simulations. Key names compare case-insensitively, as in Windows. Keys
// under SYSTEM are shared between views, as Windows does not redirect
// them.
type MemoryRegistry struct {
	mu     sync.Mutex
	values map[string]uint32
	types  map[string]uint32 // values of another type than REG_DWORD
	keys   map[string]bool

	// Deny makes every write fail with ErrAccessDenied, as for a process
	// that is not elevated.
	Deny bool
	// Writes counts the successful SetDWORD and DeleteValue calls.
	Writes int
}

// NewMemoryRegistry returns an empty MemoryRegistry.
func NewMemoryRegistry() *MemoryRegistry {
	return &MemoryRegistry{values: map[string]uint32{}, types: map[string]uint32{}, keys: map[string]bool{}}
}

func memKey(view View, key string) string {
	key = strings.ToLower(strings.Trim(key, `\`))
	if strings.HasPrefix(key, `system\`) {
		view = ViewNative
	}
	return string(view) + `|` + key
}

// GetDWORD implements Registry.
func (m *MemoryRegistry) GetDWORD(view View, key, name string) (uint32, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := memKey(view, key) + `|` + strings.ToLower(name)
	if typ, ok := m.types[id]; ok {
		return 0, false, errNotDWORD(view, key, name, typ)
	}
	v, ok := m.values[id]
	return v, ok, nil
}

// SetOtherType stores a value of registry type typ (1 is REG_SZ), which
// GetDWORD reports as a NotDWORDError.
func (m *MemoryRegistry) SetOtherType(view View, key, name string, typ uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.types[m.createKey(view, key)+`|`+strings.ToLower(name)] = typ
}

// SetDWORD implements Registry.
func (m *MemoryRegistry) SetDWORD(view View, key, name string, data uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Deny {
		return ErrAccessDenied
	}
	k := m.createKey(view, key)
	delete(m.types, k+`|`+strings.ToLower(name))
	m.values[k+`|`+strings.ToLower(name)] = data
	m.Writes++
	return nil
}

// CreateKey makes a key and its parents, as an installer would have.
func (m *MemoryRegistry) CreateKey(view View, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.createKey(view, key)
}

func (m *MemoryRegistry) createKey(view View, key string) string {
	k := memKey(view, key)
	for p := k; ; {
		m.keys[p] = true
		i := strings.LastIndex(p, `\`)
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return k
}

// DeleteValue implements Registry.
func (m *MemoryRegistry) DeleteValue(view View, key, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.Deny {
		return ErrAccessDenied
	}
	delete(m.values, memKey(view, key)+`|`+strings.ToLower(name))
	m.Writes++
	return nil
}

// KeyExists implements Registry.
func (m *MemoryRegistry) KeyExists(view View, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keys[memKey(view, key)], nil
}

// DeleteEmptyKey implements Registry.
func (m *MemoryRegistry) DeleteEmptyKey(view View, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := memKey(view, key)
	if !m.keys[k] {
		return false, nil
	}
	for v := range m.values {
		if strings.HasPrefix(v, k+`|`) {
			return false, nil
		}
	}
	for other := range m.keys {
		if strings.HasPrefix(other, k+`\`) {
			return false, nil
		}
	}
	if m.Deny {
		return false, ErrAccessDenied
	}
	delete(m.keys, k)
	m.Writes++
	return true, nil
}

// Dump lists every value as "view|key|name=data", sorted, so tests can
// compare whole registries.
func (m *MemoryRegistry) Dump() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k, v := range m.values {
		out = append(out, k+"="+formatDWORD(v))
	}
	for k, typ := range m.types {
		out = append(out, k+" type "+formatDWORD(typ))
	}
	for k := range m.keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
