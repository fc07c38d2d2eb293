package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// listening matches the line a server logs once it accepts connections.
var listening = regexp.MustCompile(`listening addr=(\S+)`)

// server is an example server running for the rounds.
type server struct {
	base string // http://host:port
	cmd  *exec.Cmd
}

// target is one URL loaded with wrk.
type target struct {
	name string
	url  string
	args []string // headers, or a script for a POST
}

// wrkRounds starts the example servers and the peer, and loads each
// target in turn, round after round, so that the machine's drift touches
// every target alike.
func wrkRounds(cfg config, w io.Writer) error {
	bin := filepath.Join(cfg.out, "bin")
	for _, pkg := range []string{"server", "echo", "bench/peer"} {
		cmd := exec.Command(cfg.goCmd, "build", "-o", filepath.Join(bin, filepath.Base(pkg)), "./examples/"+pkg)
		cmd.Dir, cmd.Stderr = cfg.root, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("building %s: %w", pkg, err)
		}
	}
	dir := filepath.Join(cfg.out, "creds")
	nethttp, err := startServer(cfg, "server", filepath.Join(bin, "server"), "-addr", "127.0.0.1:0", "-dir", dir)
	if err != nil {
		return err
	}
	defer nethttp.stop()
	token, err := register(nethttp.base, "bench")
	if err != nil {
		return err
	}
	echo, err := startServer(cfg, "echo", filepath.Join(bin, "echo"), "-addr", "127.0.0.1:0", "-dir", dir)
	if err != nil {
		return err
	}
	defer echo.stop()
	peer, err := startServer(cfg, "peer", filepath.Join(bin, "peer"), "-addr", "127.0.0.1:0", "-dir", dir)
	if err != nil {
		return err
	}
	defer peer.stop()
	echoPeer, err := startServer(cfg, "echo-peer", filepath.Join(bin, "peer"), "-addr", "127.0.0.1:0", "-dir", dir, "-echo")
	if err != nil {
		return err
	}
	defer echoPeer.stop()

	auth := []string{"-H", "X-Fixie-User: bench", "-H", "X-Fixie-Token: " + token}
	script := filepath.Join(cfg.out, "verify.lua")
	body, _ := json.Marshal(map[string]string{"user": "bench", "token": token})
	lua := fmt.Sprintf("wrk.method = \"POST\"\nwrk.body = %q\nwrk.headers[\"Content-Type\"] = \"application/json\"\n", body)
	if err := os.WriteFile(script, []byte(lua), 0o600); err != nil {
		return err
	}
	targets := []target{
		{"net/http /healthz", nethttp.base + "/healthz", nil},
		{"net/http /hello", nethttp.base + "/hello", auth},
		{"net/http POST /creds/verify", nethttp.base + "/creds/verify", []string{"-s", script}},
		{"echo /healthz", echo.base + "/healthz", nil},
		{"echo /hello", echo.base + "/hello", auth},
		{"peer /hello", peer.base + "/hello", auth},
		{"echo peer /hello", echoPeer.base + "/hello", auth},
	}
	fmt.Fprintf(w, "\n## Load: wrk -t2 -c%d -d%v, %d interleaved rounds\n\n", cfg.conns, cfg.duration, cfg.rounds)
	rates := make([][]float64, len(targets)) // per target, per round
	for round := range cfg.rounds {
		for i := range targets {
			k := (i + round) % len(targets)
			t := targets[k]
			rate, err := runWrk(cfg, t)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			rates[k] = append(rates[k], rate)
			fmt.Fprintf(os.Stderr, "round %d: %-28s %8.0f req/s\n", round+1, t.name, rate)
		}
	}
	fmt.Fprintln(w, "| target | req/s (median) | rounds |")
	fmt.Fprintln(w, "|---|---|---|")
	for i, t := range targets {
		fmt.Fprintf(w, "| %s | %.0f | %s |\n", t.name, median(rates[i]), joinRates(rates[i]))
	}
	fmt.Fprintln(w, "\n| ratio (median of the rounds' ratios) | value | goal |")
	fmt.Fprintln(w, "|---|---|---|")
	byName := func(name string) []float64 {
		return rates[slices.IndexFunc(targets, func(t target) bool { return t.name == name })]
	}
	for _, r := range []struct{ num, den, goal string }{
		{"net/http /hello", "net/http /healthz", "≥ 0.95"},
		{"echo /hello", "echo /healthz", "≥ 0.95"},
		{"net/http /hello", "peer /hello", "≥ 0.97"},
		{"echo /hello", "echo peer /hello", "≥ 0.97"},
		{"net/http POST /creds/verify", "net/http /healthz", "≥ 0.8"},
	} {
		num, den := byName(r.num), byName(r.den)
		var ratios []float64
		for k := range num {
			ratios = append(ratios, num[k]/den[k])
		}
		fmt.Fprintf(w, "| %s ÷ %s | %.3f | %s |\n", r.num, r.den, median(ratios), r.goal)
	}
	return nil
}

// runWrk loads one target and returns its requests per second. Any
// answer other than 2xx fails the run: a protected route that refuses
// would measure the refusal.
func runWrk(cfg config, t target) (float64, error) {
	args := append([]string{"-t2", "-c" + strconv.Itoa(cfg.conns), "-d" + cfg.duration.String()}, t.args...)
	out, err := exec.Command(cfg.wrkPath, append(args, t.url)...).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("wrk: %w: %s", err, out)
	}
	if bytes.Contains(out, []byte("Non-2xx")) || bytes.Contains(out, []byte("Socket errors")) {
		return 0, fmt.Errorf("wrong answers or socket errors:\n%s", out)
	}
	m := regexp.MustCompile(`Requests/sec:\s+([\d.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("no rate in wrk's output:\n%s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// startServer starts a server binary, its log in the output directory,
// and waits until it listens.
func startServer(cfg config, name, bin string, args ...string) (*server, error) {
	logPath := filepath.Join(cfg.out, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = logFile, io.MultiWriter(logFile, pw)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case addr := <-found:
		return &server{base: "http://" + addr, cmd: cmd}, nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%s did not start listening; see %s", name, logPath)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

// register registers user on the service at base and returns the token.
func register(base, user string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	body := strings.NewReader(`{"user":"` + user + `","email":"` + user + `@example.org"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/creds/register", body)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var ans struct {
		Status bool   `json:"status"`
		Token  string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || !ans.Status {
		return "", fmt.Errorf("registering %s: %v (status %v)", user, err, ans.Status)
	}
	return ans.Token, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func joinRates(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(parts, ", ")
}
