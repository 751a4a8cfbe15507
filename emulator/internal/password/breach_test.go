package password

import "testing"

func TestBreached(t *testing.T) {
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"password", true},
		{"Password", true},
		{"123456", true},
		{"letmein", true},
		{"trustno1", true},
		{"correct-horse-battery-staple-91!", false},
		{"", false},
		{"zq8#Lw2!vN0pXr", false},
	} {
		if got := Breached(tc.pw); got != tc.want {
			t.Errorf("Breached(%q) = %v, want %v", tc.pw, got, tc.want)
		}
	}
	if n := BreachListSize(); n < 10_000 {
		t.Fatalf("the breach list has %d passwords, want the zxcvbn list (~30,000)", n)
	}
}
