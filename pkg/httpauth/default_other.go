//go:build !windows

package httpauth

// startDefault has nothing to offer off Windows: there is no logged-on
// user's single sign-on to borrow.
func startDefault(scheme, host string) (Session, error) { return nil, nil }

// startExplicitNegotiate is not available off Windows.
// TODO: Kerberos with a user name and password off Windows needs a
// Kerberos library; proxies that offer only Negotiate are unreachable
// from Linux and macOS with explicit credentials.
func startExplicitNegotiate(creds Credentials, host string) (Session, error) { return nil, nil }

// DefaultCredentialsSupported reports whether the logged-on user's
// credentials can be used on this system.
func DefaultCredentialsSupported() bool { return false }
