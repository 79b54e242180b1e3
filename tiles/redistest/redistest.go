// Package redistest gives tests a real Redis: a redis-server (Debian's
// package, installed by scripts/install-deps.sh) started on a unix socket
// in a temporary directory, without persistence, stopped when the test
// ends. A missing redis-server fails the test: CI installs it.
package redistest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Server is a running redis-server.
type Server struct {
	// URL is the go-redis URL of the server (unix://…).
	URL string
	// Socket is the path of its unix socket.
	Socket string
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start runs a redis-server for the test.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redistest: redis-server not found (apt-get install redis-server; scripts/install-deps.sh does it)")
	}
	dir, err := os.MkdirTemp("", "ladredis")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Socket: filepath.Join(dir, "redis.sock"), dir: dir}
	s.URL = "unix://" + s.Socket
	s.start(t, bin)
	t.Cleanup(func() {
		s.Stop()
		os.RemoveAll(dir)
	})
	return s
}

func (s *Server) start(t testing.TB, bin string) {
	t.Helper()
	s.cmd = exec.Command(bin, "--port", "0", "--unixsocket", s.Socket, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--daemonize", "no", "--loglevel", "warning")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	log, err := os.Create(filepath.Join(s.dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	s.exited = make(chan struct{})
	go func() { _ = s.cmd.Wait(); log.Close(); close(s.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s.ping() == nil {
			return
		}
		select {
		case <-s.exited:
			b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			t.Fatalf("redistest: redis-server exited:\n%s", b)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("redistest: redis-server did not answer within 10 s")
}

// ping sends PING over the socket and expects +PONG.
func (s *Server) ping() error {
	c, err := net.DialTimeout("unix", s.Socket, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("redis answered %q", line)
	}
	return nil
}

// Stop kills the server (a sudden outage) and waits for it to exit.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exited
	_ = os.Remove(s.Socket)
	s.cmd = nil
}

// Restart starts a stopped server again (empty: no persistence).
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal(err)
	}
	s.start(t, bin)
}
