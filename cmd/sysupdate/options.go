package main

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/urfave/cli/v2"

	"github.com/sysupdate/sysupdate/pkg/bridge"
)

// A command's options are one struct whose fields carry the PowerShell
// parameter name as their JSON key and a `help` tag. The flags are derived
// from it, so the mapping between the request on standard input, the flags
// and the module's parameters is mechanical: -OutFile is --out-file and
// "OutFile" in the request. A field without a help tag (a credential) has
// no flag and can only come from the request.

// kebab turns a PowerShell parameter name into a flag name:
// MaximumRetryCount becomes maximum-retry-count, CAFile ca-file.
func kebab(name string) string {
	var b strings.Builder
	runes := []rune(name)
	for i, r := range runes {
		if unicode.IsUpper(r) && i > 0 {
			prevLower := unicode.IsLower(runes[i-1]) || unicode.IsDigit(runes[i-1])
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if prevLower || (unicode.IsUpper(runes[i-1]) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

type optionField struct {
	index []int
	flag  string
	help  string
	kind  reflect.Type
}

// optionFields lists the flag-bearing fields of the struct opts points to,
// including those of embedded structs.
func optionFields(t reflect.Type) []optionField {
	var fields []optionField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			for _, inner := range optionFields(f.Type) {
				inner.index = append([]int{i}, inner.index...)
				fields = append(fields, inner)
			}
			continue
		}
		help, ok := f.Tag.Lookup("help")
		if !ok {
			continue
		}
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" {
			name = f.Name
		}
		fields = append(fields, optionField{index: []int{i}, flag: kebab(name), help: help, kind: f.Type})
	}
	return fields
}

// flagsFor builds the urfave/cli flags for an options struct.
func flagsFor(opts any) []cli.Flag {
	var flags []cli.Flag
	for _, f := range optionFields(reflect.TypeOf(opts).Elem()) {
		switch f.kind.Kind() {
		case reflect.Bool:
			flags = append(flags, &cli.BoolFlag{Name: f.flag, Usage: f.help})
		case reflect.Int, reflect.Int64:
			flags = append(flags, &cli.Int64Flag{Name: f.flag, Usage: f.help})
		case reflect.Float64:
			flags = append(flags, &cli.Float64Flag{Name: f.flag, Usage: f.help})
		case reflect.String:
			flags = append(flags, &cli.StringFlag{Name: f.flag, Usage: f.help})
		case reflect.Slice:
			flags = append(flags, &cli.StringSliceFlag{Name: f.flag, Usage: f.help})
		default:
			panic(fmt.Sprintf("option %s: no flag for type %s", f.flag, f.kind))
		}
	}
	return flags
}

// applyFlags copies every flag the user set into opts, over what the
// request on standard input said.
func applyFlags(c *cli.Context, opts any) {
	v := reflect.ValueOf(opts).Elem()
	for _, f := range optionFields(v.Type()) {
		if !c.IsSet(f.flag) {
			continue
		}
		field := v.FieldByIndex(f.index)
		switch f.kind.Kind() {
		case reflect.Bool:
			field.SetBool(c.Bool(f.flag))
		case reflect.Int, reflect.Int64:
			field.SetInt(c.Int64(f.flag))
		case reflect.Float64:
			field.SetFloat(c.Float64(f.flag))
		case reflect.String:
			field.SetString(c.String(f.flag))
		case reflect.Slice:
			field.Set(reflect.ValueOf(c.StringSlice(f.flag)))
		}
	}
}

// bindOptions fills opts from the request on standard input, when
// --request - was given, then from the flags.
func bindOptions(c *cli.Context, env *environment, opts any) error {
	if src := c.String("request"); src != "" {
		if src != "-" {
			return bridge.Usagef("RequestSource", "--request takes only '-' (standard input), not %q", src)
		}
		if err := bridge.DecodeRequest(env.stdin, opts); err != nil {
			return err
		}
	}
	if c.Args().Present() {
		return bridge.Usagef("UnexpectedArgument",
			"unexpected argument %q: every value is given with a flag (see --help)", c.Args().First())
	}
	applyFlags(c, opts)
	return nil
}
