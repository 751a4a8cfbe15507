package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// defaultMemoryLimit is the standalone server's soft limit on the Go heap. Without one the heap
// grows to twice what was live at the last collection before the next: two costly password checks
// at once (128 MiB each, the most the caps on migrated hashes allow) then make the process hold
// some 500 MiB. 384 MiB holds both checks and the state the limits allow a busy test run, with
// headroom; beyond it the collector runs more often (at most about half the CPU), nothing fails.
const defaultMemoryLimit byteSize = 384 << 20

// byteSize is a --memory-limit value: bytes, with an optional B, KiB, MiB, GiB or TiB suffix (as
// $GOMEMLIMIT takes them); 0 means none.
type byteSize int64

var sizeUnits = []struct {
	suffix string
	shift  uint
}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}

func (b *byteSize) Set(s string) error {
	num, shift := strings.TrimSpace(s), uint(0)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64>>shift {
		return fmt.Errorf("%q: want a size such as 384MiB or 1GiB, or 0 for none", s)
	}
	*b = byteSize(n << shift)
	return nil
}

func (b *byteSize) String() string {
	for _, u := range sizeUnits {
		if *b != 0 && int64(*b)%(1<<u.shift) == 0 {
			return strconv.FormatInt(int64(*b)>>u.shift, 10) + u.suffix
		}
	}
	return "0"
}

// runtimeLimit is the value for debug.SetMemoryLimit: no limit for 0.
func (b byteSize) runtimeLimit() int64 {
	if b == 0 {
		return math.MaxInt64
	}
	return int64(b)
}
