package rehearse

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// motoLauncher starts moto_server with resource-level IAM checks for SSM and DynamoDB (see the
// file's docstring: moto 5.2.1 authorizes those against the resource "*" only).
//
//go:embed moto_iam.py
var motoLauncher []byte

// MotoInstall is how to get the emulator where it is not installed.
const MotoInstall = `pip install "moto[server]==5.2.1"`

// Moto is a running moto_server on a loopback port.
type Moto struct {
	URL string
	cmd *exec.Cmd
	log *os.File
}

// FindPython returns a python interpreter that can import moto.
func FindPython() (string, error) {
	for _, name := range []string{os.Getenv("REHEARSE_PYTHON"), "python3", "python"} {
		if name == "" {
			continue
		}
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		out, err := exec.Command(p, "-c", "import moto; print(moto.__version__)").Output()
		if err == nil {
			v := strings.TrimSpace(string(out))
			if !strings.HasPrefix(v, "5.") {
				return "", fmt.Errorf("%s has moto %s; the rehearsal is built on moto 5.x (install: %s)", p, v, MotoInstall)
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("no python with moto on PATH (install: %s)", MotoInstall)
}

// StartMoto starts moto_server through the launcher on a free loopback port; logs go to
// dir/moto.log.
func StartMoto(ctx context.Context, python, dir string) (*Moto, error) {
	launcher := filepath.Join(dir, "moto_iam.py")
	if err := os.WriteFile(launcher, motoLauncher, 0o644); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "moto.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, launcher, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), "MOTO_PORT="+strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logf}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(m.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			return m, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			m.Stop()
			b, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("moto_server did not answer on %s: %v\n%s", m.URL, err, tail(string(b), 2000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SetIAM turns moto's IAM enforcement on (every request from now on is authenticated and
// authorized) or off.
func (m *Moto) SetIAM(on bool) error {
	count := "inf"
	if on {
		count = "0"
	}
	resp, err := http.Post(m.URL+"/moto-api/reset-auth", "text/plain", strings.NewReader(count))
	if err != nil {
		return fmt.Errorf("moto reset-auth: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("moto reset-auth: status %d: %s", resp.StatusCode, b)
	}
	return nil
}

// Stop ends the emulator.
func (m *Moto) Stop() {
	if m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
	}
	m.log.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}
