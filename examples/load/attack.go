package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// result holds the figures of one run of one route.
type result struct {
	round      int
	path       string
	requests   uint64
	throughput float64 // 200 responses per second
	mean       time.Duration
	p50, p99   time.Duration
	errors     uint64
	messages   []string // the distinct errors, at most maxMessages
}

// maxMessages is how many distinct error messages a result keeps.
const maxMessages = 3

// attack sends GET requests to target with o.workers concurrent workers
// for duration, or until o.maxRequests were sent or ctx ends. Consecutive
// requests carry the sessions' cookies in turn.
func attack(ctx context.Context, target string, sessions []session, o options, duration time.Duration) result {
	workers := uint64(o.workers)
	attacker := vegeta.NewAttacker(
		vegeta.Workers(workers),
		vegeta.MaxWorkers(workers),
		vegeta.Connections(o.workers),
		vegeta.MaxConnections(o.workers),
		vegeta.KeepAlive(true),
		vegeta.Timeout(o.timeout),
		vegeta.Redirects(vegeta.NoFollow),
		// Send every request directly, even when HTTP_PROXY is set.
		vegeta.Proxy(func(*http.Request) (*url.URL, error) { return nil, nil }),
	)
	stop := context.AfterFunc(ctx, func() { attacker.Stop() })
	defer stop()

	// A zero rate sends as fast as the fixed set of workers allows.
	results := attacker.Attack(newTargeter(target, sessions, o.maxRequests), vegeta.Rate{Freq: 0}, duration, "load")
	var metrics vegeta.Metrics
	for res := range results {
		if res.Error == vegeta.ErrNoTargets.Error() {
			// Not a request: the count limit was reached.
			continue
		}
		metrics.Add(res)
	}
	metrics.Close()
	return newResult(&metrics)
}

// newTargeter returns a targeter of GET requests to target that rotates
// the sessions and ends after limit requests.
func newTargeter(target string, sessions []session, limit uint64) vegeta.Targeter {
	headers := make([]http.Header, len(sessions))
	for i, s := range sessions {
		headers[i] = http.Header{"Cookie": {s.cookie}}
	}
	var next atomic.Uint64
	return func(t *vegeta.Target) error {
		n := next.Add(1) - 1
		if n >= limit {
			return vegeta.ErrNoTargets
		}
		t.Method = http.MethodGet
		t.URL = target
		t.Header = headers[n%uint64(len(headers))]
		return nil
	}
}

// newResult converts vegeta's metrics. Only 200 responses count as
// successes, because a redirect to the login page, a success for vegeta,
// means that the session was lost.
func newResult(m *vegeta.Metrics) result {
	res := result{requests: m.Requests, mean: m.Latencies.Mean, p50: m.Latencies.P50, p99: m.Latencies.P99}
	ok := uint64(m.StatusCodes["200"])
	res.errors = m.Requests - ok
	if elapsed := (m.Duration + m.Wait).Seconds(); elapsed > 0 {
		res.throughput = float64(ok) / elapsed
	}
	for _, code := range slices.Sorted(maps.Keys(m.StatusCodes)) {
		if code != "200" && code != "0" {
			res.messages = append(res.messages, fmt.Sprintf("%d responses with status %s", m.StatusCodes[code], code))
		}
	}
	for _, message := range m.Errors {
		// vegeta also reports a status of 400 or more as an error, such as
		// "401 Unauthorized". The loop above has counted those.
		if _, ok := m.StatusCodes[strings.SplitN(message, " ", 2)[0]]; !ok {
			res.messages = append(res.messages, message)
		}
	}
	res.messages = res.messages[:min(len(res.messages), maxMessages)]
	return res
}
