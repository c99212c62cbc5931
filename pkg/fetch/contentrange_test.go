package fetch

import "testing"

func TestParseContentRange(t *testing.T) {
	cases := []struct {
		name               string
		value              string
		first, last, total int64
		ok                 bool
	}{
		{"a range of a known size", "bytes 100-199/1000", 100, 199, 1000, true},
		{"an unknown size", "bytes 0-9/*", 0, 9, -1, true},
		{"the size only, as 416 sends it", "bytes */1000", -1, -1, 1000, true},
		{"no unit", "100-199/1000", 0, 0, 0, false},
		{"another unit", "items 1-2/3", 0, 0, 0, false},
		{"last before first", "bytes 200-100/1000", 0, 0, 0, false},
		{"last beyond the size", "bytes 0-1000/1000", 0, 0, 0, false},
		{"nothing known", "bytes */*", 0, 0, 0, false},
		{"negative", "bytes -1-5/10", 0, 0, 0, false},
		{"garbage", "bytes a-b/c", 0, 0, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first, last, total, ok := parseContentRange(tc.value)
			if ok != tc.ok || (ok && (first != tc.first || last != tc.last || total != tc.total)) {
				t.Errorf("parseContentRange(%q) = %d, %d, %d, %v", tc.value, first, last, total, ok)
			}
		})
	}
}
