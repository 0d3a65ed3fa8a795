// Command benchclient measures a SPIFFE Workload API endpoint (Signet's or SPIRE's agent) with the
// go-spiffe v2 client, so both agents are measured by the same code. Every command prints one JSON object
// per line on stdout; errors go to stderr with exit status 1.
//
//	benchclient x509 -socket S -workloads N -rounds R        connect → first X509SVIDResponse, fresh client each time
//	benchclient jwt -socket S -n N [-fresh]                  FetchJWTSVID latency (one client; -fresh: new audience each call)
//	benchclient validate -socket S -n N [-fresh]             ValidateJWTSVID latency for a token fetched once (-fresh: n tokens, each validated once)
//	benchclient watch -socket S                              one line per X.509 update: {"t_ns":…, "ids":[…]}
//	benchclient spire-propagate -socket S -server-socket A -parent ID -n N
//	                                                         SPIRE entry create → update on an open stream
//	                                                         [-fanout-file F]: also wait until spire-simagents reports
//	                                                         that all its agents have the entry (fanout_* figures)
//	benchclient spire-entries -server-socket A -parent-prefix P -agents K -count N
//	                                                         creates N SPIRE entries spread over K parents (batched)
//	benchclient spire-simagents -server-addr H:P -server-socket A -n N [...]
//	                                                         N simulated SPIRE agents (spire_sim.go)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
	entryv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/entry/v1"
	"github.com/spiffe/spire-api-sdk/proto/spire/api/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

type summary struct {
	Name    string  `json:"name"`
	Count   int     `json:"count"`
	Errors  int     `json:"errors"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
	MeanMs  float64 `json:"mean_ms"`
	WallS   float64 `json:"wall_s"`
	Calls   int     `json:"calls"` // calls made to the agent, warm-up included (for CPU per call)
	FirstEr string  `json:"first_error,omitempty"`
}

func summarize(name string, d []time.Duration, errs int, firstErr error, wall time.Duration) summary {
	s := summary{Name: name, Count: len(d), Errors: errs, WallS: wall.Seconds()}
	if firstErr != nil {
		s.FirstEr = firstErr.Error()
	}
	if len(d) == 0 {
		return s
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) float64 { return math.Round(float64(x.Microseconds())) / 1000 }
	pct := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(d)))) - 1
		if i < 0 {
			i = 0
		}
		return d[i]
	}
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	s.P50Ms, s.P99Ms, s.MaxMs = ms(pct(0.50)), ms(pct(0.99)), ms(d[len(d)-1])
	s.MeanMs = ms(sum / time.Duration(len(d)))
	return s
}

func emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}

func addr(socket string) workloadapi.ClientOption {
	return workloadapi.WithAddr("unix://" + socket)
}

// recorder collects latencies from many goroutines.
type recorder struct {
	mu    sync.Mutex
	d     []time.Duration
	errs  int
	first error
}

func (r *recorder) add(d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.errs++
		if r.first == nil {
			r.first = err
		}
		return
	}
	r.d = append(r.d, d)
}

func x509Cmd(args []string) {
	fs := flag.NewFlagSet("x509", flag.ExitOnError)
	socket := fs.String("socket", "", "Workload API socket")
	workloads := fs.Int("workloads", 1, "concurrent workloads")
	rounds := fs.Int("rounds", 10, "rounds; each workload connects once per round")
	warmup := fs.Int("warmup", 20, "sequential unmeasured fetches first")
	fs.Parse(args)
	for i := 0; i < *warmup; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := workloadapi.FetchX509Context(ctx, addr(*socket))
		cancel()
		if err != nil {
			fail(fmt.Errorf("warm-up fetch: %w", err))
		}
	}
	var rec recorder
	start := time.Now()
	for r := 0; r < *rounds; r++ {
		var ready, done sync.WaitGroup
		gate := make(chan struct{})
		for w := 0; w < *workloads; w++ {
			ready.Add(1)
			done.Add(1)
			go func() {
				defer done.Done()
				ready.Done()
				<-gate
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				t0 := time.Now()
				c, err := workloadapi.FetchX509Context(ctx, addr(*socket))
				el := time.Since(t0)
				if err == nil && len(c.SVIDs) == 0 {
					err = errors.New("no SVID in the first response")
				}
				rec.add(el, err)
			}()
		}
		ready.Wait()
		close(gate)
		done.Wait()
	}
	s := summarize(fmt.Sprintf("x509_first_response_%d", *workloads), rec.d, rec.errs, rec.first, time.Since(start))
	s.Calls = *warmup + len(rec.d) + rec.errs
	emit(s)
}

func jwtCmd(args []string) {
	fs := flag.NewFlagSet("jwt", flag.ExitOnError)
	socket := fs.String("socket", "", "Workload API socket")
	n := fs.Int("n", 200, "fetches")
	fresh := fs.Bool("fresh", false, "a new audience for every fetch (the agent's JWT cache cannot answer)")
	fs.Parse(args)
	ctx := context.Background()
	c, err := workloadapi.New(ctx, addr(*socket))
	if err != nil {
		fail(err)
	}
	defer c.Close()
	fetch := func(aud string) error {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		_, err := c.FetchJWTSVID(cctx, jwtsvid.Params{Audience: aud})
		return err
	}
	if err := fetch("bench-warmup"); err != nil {
		fail(fmt.Errorf("warm-up fetch: %w", err))
	}
	var rec recorder
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	start := time.Now()
	for i := 0; i < *n; i++ {
		aud := "bench-cached"
		if *fresh {
			aud = fmt.Sprintf("bench-%s-%d", run, i)
		}
		t0 := time.Now()
		err := fetch(aud)
		rec.add(time.Since(t0), err)
	}
	name := "jwt_fetch_cached"
	if *fresh {
		name = "jwt_fetch_uncached"
	}
	s := summarize(name, rec.d, rec.errs, rec.first, time.Since(start))
	s.Calls = 1 + len(rec.d) + rec.errs
	emit(s)
}

func validateCmd(args []string) {
	fs := flag.NewFlagSet("validate", flag.ExitOnError)
	socket := fs.String("socket", "", "Workload API socket")
	n := fs.Int("n", 200, "validations")
	fresh := fs.Bool("fresh", false, "validate n different tokens once each (fetched beforehand, untimed): no validator can answer from a memory of tokens it already verified")
	fs.Parse(args)
	ctx := context.Background()
	c, err := workloadapi.New(ctx, addr(*socket))
	if err != nil {
		fail(err)
	}
	defer c.Close()
	type job struct{ token, audience string }
	var jobs []job
	if *fresh {
		run := fmt.Sprintf("%d", time.Now().UnixNano())
		for i := 0; i < *n+10; i++ {
			aud := fmt.Sprintf("bench-validate-%s-%d", run, i)
			svid, err := c.FetchJWTSVID(ctx, jwtsvid.Params{Audience: aud})
			if err != nil {
				fail(fmt.Errorf("fetch %d: %w", i, err))
			}
			jobs = append(jobs, job{svid.Marshal(), aud})
		}
	} else {
		svid, err := c.FetchJWTSVID(ctx, jwtsvid.Params{Audience: "bench-validate"})
		if err != nil {
			fail(fmt.Errorf("fetch: %w", err))
		}
		for i := 0; i < *n+10; i++ {
			jobs = append(jobs, job{svid.Marshal(), "bench-validate"})
		}
	}
	var rec recorder
	start := time.Now()
	for i, jb := range jobs {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		t0 := time.Now()
		_, err := c.ValidateJWTSVID(cctx, jb.token, jb.audience)
		el := time.Since(t0)
		cancel()
		if i >= 10 { // the first ten warm up
			rec.add(el, err)
		}
	}
	name := "jwt_validate"
	if *fresh {
		name = "jwt_validate_fresh"
	}
	s := summarize(name, rec.d, rec.errs, rec.first, time.Since(start))
	s.Calls = 1 + 10 + len(rec.d) + rec.errs
	if *fresh {
		s.Calls = 2 * len(jobs) // as many fetches as validations: the caller reports no CPU per call for this mode
	}
	emit(s)
}

type watcher struct {
	onUpdate func(*workloadapi.X509Context)
}

func (w watcher) OnX509ContextUpdate(c *workloadapi.X509Context) { w.onUpdate(c) }
func (w watcher) OnX509ContextWatchError(err error) {
	if status := err.Error(); !strings.Contains(status, "context canceled") {
		fmt.Fprintln(os.Stderr, "watch error:", err)
	}
}

func ids(c *workloadapi.X509Context) []string {
	out := make([]string, 0, len(c.SVIDs))
	for _, s := range c.SVIDs {
		out = append(out, s.ID.String())
	}
	return out
}

func watchCmd(args []string) {
	fs := flag.NewFlagSet("watch", flag.ExitOnError)
	socket := fs.String("socket", "", "Workload API socket")
	fs.Parse(args)
	ctx := context.Background()
	c, err := workloadapi.New(ctx, addr(*socket))
	if err != nil {
		fail(err)
	}
	var mu sync.Mutex
	err = c.WatchX509Context(ctx, watcher{func(x *workloadapi.X509Context) {
		t := time.Now().UnixNano()
		mu.Lock()
		defer mu.Unlock()
		emit(map[string]any{"t_ns": t, "ids": ids(x)})
	}})
	fail(err)
}

func spireServer(socket string) (entryv1.EntryClient, func()) {
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail(err)
	}
	return entryv1.NewEntryClient(conn), func() { conn.Close() }
}

func spiffeID(s string) *types.SPIFFEID {
	rest := strings.TrimPrefix(s, "spiffe://")
	i := strings.Index(rest, "/")
	return &types.SPIFFEID{TrustDomain: rest[:i], Path: rest[i:]}
}

func createEntries(ctx context.Context, ec entryv1.EntryClient, entries []*types.Entry) ([]string, error) {
	resp, err := ec.BatchCreateEntry(ctx, &entryv1.BatchCreateEntryRequest{Entries: entries})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range resp.Results {
		if r.Status.GetCode() != 0 {
			return nil, fmt.Errorf("create entry: %s", r.Status.GetMessage())
		}
		out = append(out, r.Entry.GetId())
	}
	return out, nil
}

// spirePropagateCmd: with one stream open on the agent, create an entry for this workload's uid and time
// until the stream delivers it; then delete it and wait until it is gone, N times.
func spirePropagateCmd(args []string) {
	fs := flag.NewFlagSet("spire-propagate", flag.ExitOnError)
	socket := fs.String("socket", "", "agent Workload API socket")
	serverSocket := fs.String("server-socket", "", "SPIRE server API socket")
	parent := fs.String("parent", "", "agent SPIFFE ID (parent of the entries)")
	n := fs.Int("n", 5, "samples")
	timeout := fs.Duration("timeout", 60*time.Second, "per sample")
	fanoutFile := fs.String("fanout-file", "", "spire-simagents -events file: wait for every simulated agent before deleting")
	fs.Parse(args)
	ctx, cancelAll := context.WithCancel(context.Background())
	defer cancelAll()
	ec, closeServer := spireServer(*serverSocket)
	defer closeServer()
	updates := make(chan []string, 64)
	times := make(chan time.Time, 64)
	c, err := workloadapi.New(ctx, addr(*socket))
	if err != nil {
		fail(err)
	}
	go c.WatchX509Context(ctx, watcher{func(x *workloadapi.X509Context) {
		times <- time.Now()
		updates <- ids(x)
	}})
	td := spiffeID(*parent).TrustDomain
	var rec, fanout recorder
	start := time.Now()
	uid := fmt.Sprintf("%d", os.Getuid())
	for i := 0; i < *n; i++ {
		id := fmt.Sprintf("spiffe://%s/bench/prop/%d-%d", td, time.Now().UnixNano(), i)
		t0 := time.Now()
		t0Wall := t0.UnixNano()
		created, err := createEntries(ctx, ec, []*types.Entry{{
			SpiffeId: spiffeID(id), ParentId: spiffeID(*parent),
			Selectors: []*types.Selector{{Type: "unix", Value: "uid:" + uid}},
		}})
		if err != nil {
			fail(err)
		}
		arrived, err := waitFor(updates, times, *timeout, func(s []string) bool { return contains(s, id) })
		rec.add(arrived.Sub(t0), err)
		if *fanoutFile != "" {
			tNs, err := awaitFanout(*fanoutFile, id, *timeout)
			fanout.add(time.Duration(tNs-t0Wall), err)
		}
		if _, err := ec.BatchDeleteEntry(ctx, &entryv1.BatchDeleteEntryRequest{Ids: created}); err != nil {
			fail(err)
		}
		if _, err := waitFor(updates, times, *timeout, func(s []string) bool { return !contains(s, id) }); err != nil {
			fail(fmt.Errorf("deleted entry never left the stream: %w", err))
		}
	}
	s := summarize("propagation", rec.d, rec.errs, rec.first, time.Since(start))
	if *fanoutFile == "" {
		emit(s)
		return
	}
	f := summarize("fanout", fanout.d, fanout.errs, fanout.first, 0)
	out := map[string]any{}
	b, _ := json.Marshal(s)
	json.Unmarshal(b, &out)
	out["fanout_count"], out["fanout_errors"], out["fanout_p50_ms"], out["fanout_p99_ms"] = f.Count, f.Errors, f.P50Ms, f.P99Ms
	if f.FirstEr != "" {
		out["fanout_first_error"] = f.FirstEr
	}
	emit(out)
}

// awaitFanout polls the spire-simagents events file for the line saying every simulated agent has id.
func awaitFanout(path, id string, timeout time.Duration) (int64, error) {
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(path); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				var ev struct {
					ID  string `json:"id"`
					TNs int64  `json:"t_ns"`
				}
				if json.Unmarshal([]byte(l), &ev) == nil && ev.ID == id {
					return ev.TNs, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("not every simulated agent had %s within %s", id, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func waitFor(updates chan []string, times chan time.Time, timeout time.Duration, ok func([]string) bool) (time.Time, error) {
	deadline := time.After(timeout)
	for {
		select {
		case t := <-times:
			if ok(<-updates) {
				return t, nil
			}
		case <-deadline:
			return time.Time{}, fmt.Errorf("no matching update within %s", timeout)
		}
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func spireEntriesCmd(args []string) {
	fs := flag.NewFlagSet("spire-entries", flag.ExitOnError)
	serverSocket := fs.String("server-socket", "", "SPIRE server API socket")
	parentPrefix := fs.String("parent-prefix", "", "parent IDs are <prefix><i>")
	agents := fs.Int("agents", 1, "distinct parents")
	count := fs.Int("count", 1000, "entries")
	offset := fs.Int("offset", 0, "number of the first entry")
	fs.Parse(args)
	ctx := context.Background()
	ec, closeServer := spireServer(*serverSocket)
	defer closeServer()
	td := spiffeID(*parentPrefix + "0").TrustDomain
	start := time.Now()
	const batch = 500
	for i := *offset; i < *offset+*count; i += batch {
		var es []*types.Entry
		for j := i; j < i+batch && j < *offset+*count; j++ {
			es = append(es, &types.Entry{
				SpiffeId:  spiffeID(fmt.Sprintf("spiffe://%s/bench/scale/%d", td, j)),
				ParentId:  spiffeID(fmt.Sprintf("%s%d", *parentPrefix, j%*agents)),
				Selectors: []*types.Selector{{Type: "unix", Value: fmt.Sprintf("uid:%d", 10000 + j / *agents)}},
			})
		}
		if _, err := createEntries(ctx, ec, es); err != nil {
			fail(err)
		}
	}
	emit(map[string]any{"name": "spire_entries_created", "count": *count, "wall_s": time.Since(start).Seconds()})
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: benchclient x509|jwt|validate|watch|spire-propagate|spire-entries|spire-simagents [flags]"))
	}
	cmds := map[string]func([]string){
		"x509": x509Cmd, "jwt": jwtCmd, "validate": validateCmd, "watch": watchCmd,
		"spire-propagate": spirePropagateCmd, "spire-entries": spireEntriesCmd,
		"spire-simagents": spireSimAgentsCmd,
	}
	cmd, ok := cmds[os.Args[1]]
	if !ok {
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	cmd(os.Args[2:])
}
