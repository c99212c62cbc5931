package bridge

import (
	"fmt"

	"github.com/Masterminds/semver/v3"
)

// ProtocolVersion is the semantic version of the record format and the
// request keys. The minor part grows when fields or commands are added, the
// major part when a change would break a module built for an older one.
const ProtocolVersion = "1.0.0"

// CheckProtocol reports whether ProtocolVersion satisfies constraint, a
// semantic-version constraint such as "^1.0" given by a module that needs a
// protocol it understands.
func CheckProtocol(constraint string) error {
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return Usagef("BadProtocolConstraint", "protocol constraint %q: %v", constraint, err)
	}
	v := semver.MustParse(ProtocolVersion)
	if !c.Check(v) {
		return &Error{
			Kind:     KindUsage,
			ID:       "ProtocolMismatch",
			Category: "InvalidOperation",
			Message: fmt.Sprintf("this sysupdate speaks protocol %s, which does not satisfy %q: "+
				"install the sysupdate executable that ships with the module", ProtocolVersion, constraint),
			Details: map[string]any{"Protocol": ProtocolVersion, "Constraint": constraint},
		}
	}
	return nil
}
