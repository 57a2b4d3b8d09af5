package dbtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/facestat/facestat/internal/testenv"
)

// PrivatePG is a PostgreSQL server of a test's own (initdb into a temporary
// folder), which the test may stop and start again to see what FaceStat does
// while its database is down. The shared server is never touched.
type PrivatePG struct {
	tb   testing.TB
	bin  string // folder of initdb, pg_ctl
	dir  string // data folder
	Port int
	URL  string // a database named facestat on it, created by Start
}

// StartPrivatePG initdb's a fresh cluster, starts it on a free port and
// stops it when the test ends. It needs PostgreSQL's server binaries
// (/usr/lib/postgresql/*/bin) and, when run as root, the postgres user to
// run them as. Under -short it skips the test.
func StartPrivatePG(tb testing.TB) *PrivatePG {
	tb.Helper()
	testenv.SkipIfShort(tb, "PostgreSQL's server binaries")
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		tb.Fatal("PostgreSQL's server binaries are not installed (/usr/lib/postgresql/*/bin/initdb)")
	}
	p := &PrivatePG{tb: tb, bin: filepath.Dir(bins[len(bins)-1])}
	dir, err := os.MkdirTemp("", "facestat-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	p.dir = filepath.Join(dir, "data")
	if os.Getuid() == 0 { // PostgreSQL refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatal("running as root needs the postgres user: ", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	p.run("initdb", "-D", p.dir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	p.Start()
	tb.Cleanup(func() { p.exec("pg_ctl", "-D", p.dir, "stop", "-m", "immediate") }) // may be stopped already
	if err := execOn(fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.Port), "CREATE DATABASE facestat"); err != nil {
		tb.Fatal("creating the database facestat on the private server: ", err)
	}
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/facestat?sslmode=disable", p.Port)
	return p
}

// Start starts the server and waits until it accepts connections.
func (p *PrivatePG) Start() {
	p.tb.Helper()
	p.pgctl("start", "-w", "-t", "30", "-l", filepath.Join(filepath.Dir(p.dir), "log"),
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.Port, filepath.Dir(p.dir)))
}

// Stop stops the server at once (immediate shutdown: connections are cut
// as in a crash).
func (p *PrivatePG) Stop() {
	p.tb.Helper()
	p.pgctl("stop", "-m", "immediate", "-w")
}

func (p *PrivatePG) pgctl(args ...string) {
	p.tb.Helper()
	p.run("pg_ctl", append([]string{"-D", p.dir}, args...)...)
}

// run runs one of PostgreSQL's programs, failing the test if it fails.
func (p *PrivatePG) run(prog string, args ...string) {
	p.tb.Helper()
	if out, err := p.exec(prog, args...); err != nil {
		p.tb.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
}

// exec runs one of PostgreSQL's programs, as the postgres user when root.
func (p *PrivatePG) exec(prog string, args ...string) ([]byte, error) {
	path := filepath.Join(p.bin, prog)
	cmd := exec.Command(path, args...)
	if os.Getuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		<-done
	}
	return out, err
}
