package proc

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestReadStatsOfThisProcess(t *testing.T) {
	st, err := ReadStats(os.Getpid())
	if err != nil {
		t.Fatalf("ReadStats(self) error = %v", err)
	}
	if st.RSSKiB <= 0 || st.HWMKiB < st.RSSKiB || st.Threads <= 0 || st.OpenFDs <= 0 {
		t.Errorf("ReadStats(self) = %+v, want positive RSS, HWM ≥ RSS, threads and fds", st)
	}
	if _, err := ReadStats(-1); err == nil {
		t.Error("ReadStats(-1) = nil error, want an error")
	}
}

func TestBufferKeepsTheNewestBytes(t *testing.T) {
	b := &Buffer{Max: 10}
	for _, s := range []string{"0123456789", "abcdef"} {
		if _, err := b.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	got := b.String()
	if len(got) > 10 || !strings.HasSuffix(got, "bcdef") {
		t.Errorf("Buffer{Max: 10} after 16 bytes = %q, want at most 10 bytes ending in the newest 5 (Max/2)", got)
	}
}

func TestStartStop(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	p, err := Start("sleep", sleep, []string{"30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Exited() {
		t.Fatal("Exited() right after Start = true, want false")
	}
	t0 := time.Now()
	p.Stop()
	if !p.Exited() {
		t.Error("Exited() after Stop = false, want true")
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("Stop took %s, want SIGTERM to end sleep at once", d)
	}
}
