// Command load measures the throughput and latency of the refresh demo
// (examples/refresh) under a fixed number of concurrent requests. It logs
// in -users users with the password form, each with its own session
// cookie, then sends GET requests with -workers concurrent workers for
// -duration, rotating the cookies across the users, and prints requests
// per second, the p50 and p99 latencies and the errors.
//
// Start the demo with long-lived tokens, so that the runs measure requests
// whose ticket needs no refresh, and with the benchmark route on. From the
// examples directory:
//
//	DEMO_BENCH_ROUTES=1 go run ./refresh -token-ttl 1h
//	go run ./load -mode compare -rounds 12 -duration 2s
//
// -mode protected loads -path (default /api/me, behind
// Authenticate("main")) and -mode session-only loads -session-path
// (default /api/me-session, the same route behind the session middleware
// only). -mode compare runs the two routes one after the other, -rounds
// times, and prints the median over the rounds of the ratio of their
// throughputs. On a machine shared with other work, whose load changes
// from one run to the next, many short rounds give a steadier median than
// a few long ones. The program sends requests only to loopback addresses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Modes of the -mode flag.
const (
	modeProtected   = "protected"
	modeSessionOnly = "session-only"
	modeCompare     = "compare"
)

type options struct {
	baseURL     string
	users       int
	workers     int
	duration    time.Duration
	warmup      time.Duration
	maxRequests uint64
	timeout     time.Duration
	path        string
	sessionPath string
	mode        string
	rounds      int
	username    string
	password    string
}

func parseFlags(args []string, output io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&o.baseURL, "base-url", "http://127.0.0.1:8080", "base `URL` of the demo; must be a loopback address")
	fs.IntVar(&o.users, "users", 16, "number of users to log in, each with its own session")
	fs.IntVar(&o.workers, "workers", 8, "number of concurrent requests")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured run")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "length of the unmeasured run before each measured run (0 for none)")
	fs.Uint64Var(&o.maxRequests, "max-requests", 2_000_000, "maximum number of requests of each run")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "timeout of each request")
	fs.StringVar(&o.path, "path", "/api/me", "protected route: `path` behind Authenticate")
	fs.StringVar(&o.sessionPath, "session-path", "/api/me-session", "the same route behind the session middleware only (the demo serves it with DEMO_BENCH_ROUTES=1)")
	fs.StringVar(&o.mode, "mode", modeProtected, "what to load: protected (-path), session-only (-session-path) or compare (both, one after the other)")
	fs.IntVar(&o.rounds, "rounds", 1, "how many times to repeat the runs of the mode")
	fs.StringVar(&o.username, "username", "alice", "username of every login")
	fs.StringVar(&o.password, "password", "wonderland", "password of every login")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	return o, o.validate()
}

func (o options) validate() error {
	switch {
	case o.users < 1:
		return errors.New("-users must be at least 1")
	case o.workers < 1:
		return errors.New("-workers must be at least 1")
	case o.duration <= 0:
		return errors.New("-duration must be positive")
	case o.warmup < 0:
		return errors.New("-warmup must not be negative")
	case o.maxRequests < 1:
		return errors.New("-max-requests must be at least 1")
	case o.timeout <= 0:
		return errors.New("-timeout must be positive")
	case o.rounds < 1:
		return errors.New("-rounds must be at least 1")
	case o.mode != modeProtected && o.mode != modeSessionOnly && o.mode != modeCompare:
		return fmt.Errorf("-mode %q is not protected, session-only or compare", o.mode)
	}
	_, err := loopbackURL(o.baseURL)
	return err
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

// run logs the users in, checks the routes, loads those that -mode selects
// and prints the results to out.
func run(ctx context.Context, o options, out io.Writer) error {
	base, err := loopbackURL(o.baseURL)
	if err != nil {
		return err
	}
	sessions, err := logInAll(ctx, base, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "logged in %d users at %s; %d workers, %s per run\n", len(sessions), base, o.workers, o.duration)

	paths := routes(o)
	for _, path := range paths {
		if err := checkRoute(ctx, base, path, sessions[0], o.timeout); err != nil {
			return err
		}
	}
	results, err := loadRounds(ctx, base, paths, sessions, o)
	printResults(out, results)
	printComparison(out, results, o)
	return err
}

// routes returns the paths that -mode loads, in the order of one round.
func routes(o options) []string {
	switch o.mode {
	case modeSessionOnly:
		return []string{o.sessionPath}
	case modeCompare:
		return []string{o.sessionPath, o.path}
	}
	return []string{o.path}
}

// loadRounds makes o.rounds rounds, each of which loads every path for
// o.duration after an unmeasured warm-up of o.warmup. It returns the
// results so far when ctx ends.
func loadRounds(ctx context.Context, base string, paths []string, sessions []session, o options) ([]result, error) {
	var results []result
	for round := 1; round <= o.rounds; round++ {
		for _, path := range paths {
			if o.warmup > 0 {
				attack(ctx, base+path, sessions, o, o.warmup)
			}
			res := attack(ctx, base+path, sessions, o, o.duration)
			res.round, res.path = round, path
			results = append(results, res)
			if err := ctx.Err(); err != nil {
				return results, fmt.Errorf("interrupted: %w", err)
			}
		}
	}
	return results, nil
}
