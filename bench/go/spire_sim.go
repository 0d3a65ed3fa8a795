package main

// spire-simagents: N simulated SPIRE 1.13.3 agents in one process, each speaking the real agent protocol over TLS
// to spire-server, so the server carries the load of N connected agents without N agent processes.
//
// Per agent (what spire-agent 1.13.3 does; source locations in github.com/spiffe/spire@v1.13.3):
//   - a join token from the server's admin API (agent/v1 CreateJoinToken on the Unix socket; with -alias the server
//     also creates the token's node-alias entry, as `spire-server token generate -spiffeID` does);
//   - node attestation (pkg/agent/attestor/node/node.go newSVID/getSVID, pkg/agent/plugin/nodeattestor/jointoken.go):
//     a TLS connection that authenticates the server (ID spiffe://<td>/spire/server, bootstrap bundle), an
//     agent/v1 AttestAgent stream with {type "join_token", payload token} and a CSR for a new EC P-256 key (subject
//     C=US, O=SPIRE, no URI SAN), then bundle/v1 GetBundle on the same connection;
//   - from then on one long-lived mTLS connection with the agent SVID (pkg/agent/client/client.go getOrOpenConn,
//     dial.go), used for every sync;
//   - a first sync right after attestation (manager.Initialize), then one sync every 5 s ± 10 % (manager.go
//     runSynchronizer with pkg/common/backoff: jitter 0.1; clamped to at most 5 s while no X509-SVID is cached;
//     after a failure the interval grows ×1.5 up to 48 × 5 s);
//   - each sync (manager/sync.go synchronize → client.SyncUpdates): entry/v1 SyncAuthorizedEntries with the
//     agent's output mask — the whole list when the server sends entries, otherwise revision pages and then the
//     full entries for new or stale IDs, requested in pages of the server's page size (client.go
//     streamAndSyncEntries) —, then bundle/v1 GetBundle (plus GetFederatedBundle per federated trust domain,
//     client.go fetchBundles), then svid/v1 BatchNewX509SVID for entries that need an X509-SVID
//     (sync.go updateCache/updateSVIDs, cache/lru_cache.go UpdateEntries/syncSVIDsWithSubscribers: entries
//     without one up to x509_svid_cache_max_size 1000, entries whose revision changed, SVIDs past half their
//     lifetime — rotationutil.ShouldRotateX509), at most 500 CSRs per call (limits.SignLimitPerIP), a new EC P-256
//     key per CSR with the entry's SPIFFE ID as URI SAN (util.MakeCSR);
//   - agent SVID rotation at half its lifetime with agent/v1 RenewAgent (pkg/agent/svid/rotator.go rotateSVID;
//     join_token agents are not re-attestable), after which the connection is re-dialled with the new SVID.
// Not simulated: the 500-ms SVID loop for new workload subscribers (no workloads here), JWT-SVIDs, the agent's
// Workload API and its on-disk state.
//
// Each agent connects from its own loopback address (127.1.x.y), as agents on separate nodes would: spire-server
// rate-limits attestation per client IP (limits.AttestLimitPerIP, 1/s), which would otherwise serialise N agents.
//
// Output: one JSON line when the requested agents are attested and have synced ("ready"), one per "add K" command
// read from stdin, optionally a "probe" line, and a final line when stdin closes or on SIGINT/SIGTERM.

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	agentv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/agent/v1"
	bundlev1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/bundle/v1"
	entryv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/entry/v1"
	svidv1 "github.com/spiffe/spire-api-sdk/proto/spire/api/server/svid/v1"
	"github.com/spiffe/spire-api-sdk/proto/spire/api/types"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

const (
	simSyncInterval  = 5 * time.Second // spire-agent sync_interval default (manager/config.go)
	simJitter        = 0.10            // pkg/common/backoff _jitter
	simMaxBackoff    = 48 * simSyncInterval
	simSVIDCacheMax  = 1000 // x509_svid_cache_max_size default (cache/lru_cache.go)
	simCSRBatchLimit = 500  // limits.SignLimitPerIP, the agent's initial CSR batch size
	simRPCTimeout    = 30 * time.Second
)

// The output mask spire-agent sends (client.go entryOutputMask).
var simEntryMask = &types.EntryMask{
	SpiffeId: true, Selectors: true, FederatesWith: true, Admin: true, Downstream: true,
	RevisionNumber: true, StoreSvid: true, Hint: true, CreatedAt: true,
}

type simConfig struct {
	serverAddr   string
	td           spiffeid.TrustDomain
	serverID     spiffeid.ID
	admin        *grpc.ClientConn
	tokenPrefix  string
	alias        string
	mint         bool
	interval     time.Duration
	expect       int
	watchPrefix  string
	events       *os.File
	bootstrapCAs []*x509.Certificate
}

type cachedSVID struct {
	revision  int64
	notBefore time.Time
	notAfter  time.Time
}

type simAgent struct {
	idx     int
	ip      net.IP
	id      spiffeid.ID
	svid    *x509svid.SVID
	bundle  []*x509.Certificate
	conn    *grpc.ClientConn
	entries map[string]*types.Entry
	svids   map[string]cachedSVID

	syncStart time.Time  // start of the first sync
	readyDone func(bool) // called once: true when a sync returned the expected entries
	isReady   bool
}

type simulator struct {
	cfg      simConfig
	mu       sync.Mutex
	agents   []*simAgent
	next     int
	ready    int
	failures int
	firstErr error

	attestD    []time.Duration
	firstSyncD []time.Duration
	syncD      []time.Duration
	syncs      atomic.Int64
	syncErrs   atomic.Int64
	syncErr1   atomic.Value
	minted     atomic.Int64
	mintErrs   atomic.Int64
	renewals   atomic.Int64

	watchMu sync.Mutex
	have    map[string]int  // SPIFFE IDs under -watch-prefix: how many agents have each
	done    map[string]bool // IDs already reported as held by every agent
}

func (s *simulator) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures++
	if s.firstErr == nil {
		s.firstErr = err
	}
}

// loopback returns agent i's source address, 127.1.0.1 upwards.
func loopback(i int) net.IP {
	n := i + 1
	return net.IPv4(127, byte(1+n>>16), byte(n>>8), byte(n))
}

func (s *simulator) dial(a *simAgent, tlsCfg *tls.Config) (*grpc.ClientConn, error) {
	local := &net.TCPAddr{IP: a.ip}
	return grpc.NewClient(s.cfg.serverAddr,
		grpc.WithTransportCredentials(credentials.NewTLS(tlsCfg)),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: local}
			return d.DialContext(ctx, "tcp", addr)
		}))
}

func (s *simulator) bundleSource(certs []*x509.Certificate) x509bundle.Source {
	return x509bundle.FromX509Authorities(s.cfg.td, certs)
}

func newP256() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func spireCSR(key *ecdsa.PrivateKey, uri *url.URL) ([]byte, error) {
	tpl := &x509.CertificateRequest{
		Subject:            pkix.Name{Country: []string{"US"}, Organization: []string{"SPIRE"}},
		SignatureAlgorithm: x509.ECDSAWithSHA256,
	}
	if uri != nil {
		tpl.URIs = []*url.URL{uri}
	}
	return x509.CreateCertificateRequest(rand.Reader, tpl, key)
}

func parseChain(ders [][]byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, d := range ders {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("empty certificate chain")
	}
	return out, nil
}

func bundleCerts(b *types.Bundle) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, a := range b.GetX509Authorities() {
		c, err := x509.ParseCertificate(a.Asn1)
		if err != nil {
			return nil, fmt.Errorf("bundle authority: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// attest: token, AttestAgent over server-authenticated TLS, GetBundle, then the mTLS connection.
func (s *simulator) attest(ctx context.Context, a *simAgent) error {
	req := &agentv1.CreateJoinTokenRequest{Ttl: 3600}
	if s.cfg.tokenPrefix != "" {
		req.Token = fmt.Sprintf("%s%d", s.cfg.tokenPrefix, a.idx)
	}
	if s.cfg.alias != "" {
		alias, err := spiffeid.FromString(s.cfg.alias)
		if err != nil {
			return fmt.Errorf("-alias: %w", err)
		}
		req.AgentId = &types.SPIFFEID{TrustDomain: alias.TrustDomain().Name(), Path: alias.Path()}
	}
	tctx, cancel := context.WithTimeout(ctx, simRPCTimeout)
	tok, err := agentv1.NewAgentClient(s.cfg.admin).CreateJoinToken(tctx, req)
	cancel()
	if err != nil {
		return fmt.Errorf("CreateJoinToken: %w", err)
	}
	key, err := newP256()
	if err != nil {
		return err
	}
	csr, err := spireCSR(key, nil)
	if err != nil {
		return err
	}
	conn, err := s.dial(a, tlsconfig.TLSClientConfig(s.bundleSource(s.cfg.bootstrapCAs), tlsconfig.AuthorizeID(s.cfg.serverID)))
	if err != nil {
		return err
	}
	defer conn.Close()
	actx, cancel := context.WithTimeout(ctx, simRPCTimeout)
	defer cancel()
	stream, err := agentv1.NewAgentClient(conn).AttestAgent(actx)
	if err != nil {
		return fmt.Errorf("AttestAgent: %w", err)
	}
	if err := stream.Send(&agentv1.AttestAgentRequest{Step: &agentv1.AttestAgentRequest_Params_{Params: &agentv1.AttestAgentRequest_Params{
		Data:   &types.AttestationData{Type: "join_token", Payload: []byte(tok.Value)},
		Params: &agentv1.AgentX509SVIDParams{Csr: csr},
	}}}); err != nil {
		return fmt.Errorf("AttestAgent send: %w", err)
	}
	resp, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("AttestAgent: %w", err)
	}
	if resp.GetChallenge() != nil {
		return errors.New("AttestAgent: join_token: server issued unexpected challenge")
	}
	if resp.GetResult().GetSvid() == nil {
		return errors.New("AttestAgent: response without an SVID")
	}
	_ = stream.CloseSend()
	chain, err := parseChain(resp.GetResult().GetSvid().CertChain)
	if err != nil {
		return fmt.Errorf("agent SVID: %w", err)
	}
	id, err := x509svid.IDFromCert(chain[0])
	if err != nil {
		return fmt.Errorf("agent SVID: %w", err)
	}
	b, err := bundlev1.NewBundleClient(conn).GetBundle(actx, &bundlev1.GetBundleRequest{})
	if err != nil {
		return fmt.Errorf("GetBundle after attestation: %w", err)
	}
	if a.bundle, err = bundleCerts(b); err != nil {
		return err
	}
	a.id = id
	a.svid = &x509svid.SVID{ID: id, Certificates: chain, PrivateKey: key}
	return s.redial(a)
}

// redial opens the agent's long-lived mTLS connection with its current SVID.
func (s *simulator) redial(a *simAgent) error {
	if a.conn != nil {
		a.conn.Close()
	}
	conn, err := s.dial(a, tlsconfig.MTLSClientConfig(a.svid, s.bundleSource(a.bundle), tlsconfig.AuthorizeID(s.cfg.serverID)))
	if err != nil {
		return err
	}
	a.conn = conn
	return nil
}

func stale(cached *types.Entry, revision, createdAt int64) bool {
	if cached.RevisionNumber != revision {
		return true
	}
	return createdAt != 0 && cached.CreatedAt != createdAt
}

// syncEntries: one SyncAuthorizedEntries exchange, updating a.entries. Returns the entries added and removed.
func (s *simulator) syncEntries(ctx context.Context, a *simAgent) (added, removed []*types.Entry, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := entryv1.NewEntryClient(a.conn).SyncAuthorizedEntries(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := stream.Send(&entryv1.SyncAuthorizedEntriesRequest{OutputMask: simEntryMask}); err != nil {
		return nil, nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, nil, err
	}
	seen := make(map[string]bool, len(a.entries))
	next := make(map[string]*types.Entry, len(a.entries))
	put := func(es []*types.Entry) {
		for _, e := range es {
			if e.GetId() == "" || e.GetSpiffeId() == nil {
				continue
			}
			seen[e.Id] = true
			next[e.Id] = e
		}
	}
	if len(resp.EntryRevisions) == 0 {
		put(resp.Entries)
	} else {
		pageSize := len(resp.EntryRevisions)
		var needFull []string
		revisions := func(rs []*entryv1.EntryRevision) {
			for _, r := range rs {
				if r.Id == "" || r.RevisionNumber < 0 {
					continue
				}
				seen[r.Id] = true
				if c, ok := a.entries[r.Id]; ok && !stale(c, r.RevisionNumber, r.CreatedAt) {
					next[r.Id] = c
				} else {
					needFull = append(needFull, r.Id)
				}
			}
		}
		revisions(resp.EntryRevisions)
		for resp.More {
			if resp, err = stream.Recv(); err != nil {
				return nil, nil, fmt.Errorf("revision page: %w", err)
			}
			if len(resp.Entries) > 0 {
				return nil, nil, errors.New("unexpected entry in response receiving entry revisions")
			}
			revisions(resp.EntryRevisions)
		}
		sort.Strings(needFull)
		for len(needFull) > 0 {
			n := min(len(needFull), pageSize)
			if err := stream.Send(&entryv1.SyncAuthorizedEntriesRequest{Ids: needFull[:n]}); err != nil {
				return nil, nil, err
			}
			needFull = needFull[n:]
			for {
				r, err := stream.Recv()
				if err != nil {
					return nil, nil, fmt.Errorf("entry page: %w", err)
				}
				if len(r.EntryRevisions) != 0 {
					return nil, nil, errors.New("unexpected entry revisions in response while requesting entries")
				}
				put(r.Entries)
				if !r.More {
					break
				}
			}
		}
	}
	_ = stream.CloseSend()
	for id, e := range next {
		if _, ok := a.entries[id]; !ok {
			added = append(added, e)
		}
	}
	for id, e := range a.entries {
		if !seen[id] {
			removed = append(removed, e)
		}
	}
	a.entries = next
	return added, removed, nil
}

func (s *simulator) fetchBundles(ctx context.Context, a *simAgent) error {
	bc := bundlev1.NewBundleClient(a.conn)
	b, err := bc.GetBundle(ctx, &bundlev1.GetBundleRequest{})
	if err != nil {
		return fmt.Errorf("GetBundle: %w", err)
	}
	certs, err := bundleCerts(b)
	if err != nil {
		return err
	}
	a.bundle = certs
	federated := map[string]bool{}
	for _, e := range a.entries {
		for _, td := range e.FederatesWith {
			federated[td] = true
		}
	}
	for td := range federated {
		if _, err := bc.GetFederatedBundle(ctx, &bundlev1.GetFederatedBundleRequest{TrustDomain: td}); err != nil &&
			!strings.Contains(err.Error(), "NotFound") {
			return fmt.Errorf("GetFederatedBundle %s: %w", td, err)
		}
	}
	return nil
}

// mint: BatchNewX509SVID for the entries a real agent would (re)sign on this sync.
func (s *simulator) mint(ctx context.Context, a *simAgent, now time.Time) error {
	for id := range a.svids {
		if _, ok := a.entries[id]; !ok {
			delete(a.svids, id)
		}
	}
	var want []*types.Entry
	for id, e := range a.entries {
		c, ok := a.svids[id]
		switch {
		case !ok:
			if len(a.svids)+len(want) < simSVIDCacheMax {
				want = append(want, e)
			}
		case c.revision != e.RevisionNumber, now.After(c.notAfter.Add(-c.notAfter.Sub(c.notBefore) / 2)):
			want = append(want, e)
		}
	}
	if len(want) > simCSRBatchLimit {
		want = want[:simCSRBatchLimit]
	}
	if len(want) == 0 {
		return nil
	}
	params := make([]*svidv1.NewX509SVIDParams, 0, len(want))
	for _, e := range want {
		key, err := newP256()
		if err != nil {
			return err
		}
		id, err := spiffeid.FromPath(spiffeid.RequireTrustDomainFromString(e.SpiffeId.TrustDomain), e.SpiffeId.Path)
		if err != nil {
			return err
		}
		csr, err := spireCSR(key, id.URL())
		if err != nil {
			return err
		}
		params = append(params, &svidv1.NewX509SVIDParams{EntryId: e.Id, Csr: csr})
	}
	resp, err := svidv1.NewSVIDClient(a.conn).BatchNewX509SVID(ctx, &svidv1.BatchNewX509SVIDRequest{Params: params})
	if err != nil {
		return fmt.Errorf("BatchNewX509SVID: %w", err)
	}
	for i, r := range resp.Results {
		if r.GetStatus().GetCode() != 0 || r.GetSvid() == nil || i >= len(want) {
			s.mintErrs.Add(1)
			continue
		}
		chain, err := parseChain(r.Svid.CertChain)
		if err != nil {
			return err
		}
		a.svids[want[i].Id] = cachedSVID{revision: want[i].RevisionNumber, notBefore: chain[0].NotBefore, notAfter: chain[0].NotAfter}
		s.minted.Add(1)
	}
	return nil
}

// rotateIfDue renews the agent SVID with RenewAgent once half its lifetime has passed.
func (s *simulator) rotateIfDue(ctx context.Context, a *simAgent, now time.Time) error {
	leaf := a.svid.Certificates[0]
	if now.Before(leaf.NotAfter.Add(-leaf.NotAfter.Sub(leaf.NotBefore) / 2)) {
		return nil
	}
	key, err := newP256()
	if err != nil {
		return err
	}
	csr, err := spireCSR(key, nil)
	if err != nil {
		return err
	}
	resp, err := agentv1.NewAgentClient(a.conn).RenewAgent(ctx, &agentv1.RenewAgentRequest{Params: &agentv1.AgentX509SVIDParams{Csr: csr}})
	if err != nil {
		return fmt.Errorf("RenewAgent: %w", err)
	}
	chain, err := parseChain(resp.GetSvid().GetCertChain())
	if err != nil {
		return fmt.Errorf("RenewAgent: %w", err)
	}
	a.svid = &x509svid.SVID{ID: a.id, Certificates: chain, PrivateKey: key}
	s.renewals.Add(1)
	return s.redial(a)
}

// synchronize is one agent sync; it returns how long the entries took to arrive.
func (s *simulator) synchronize(ctx context.Context, a *simAgent) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, simRPCTimeout)
	defer cancel()
	t0 := time.Now()
	added, removed, err := s.syncEntries(ctx, a)
	if err != nil {
		return 0, fmt.Errorf("SyncAuthorizedEntries: %w", err)
	}
	el := time.Since(t0)
	s.watch(added, removed, t0.Add(el))
	if err := s.fetchBundles(ctx, a); err != nil {
		return el, err
	}
	if s.cfg.mint {
		if err := s.mint(ctx, a, time.Now()); err != nil {
			return el, err
		}
	}
	return el, nil
}

// watch counts, per SPIFFE ID under -watch-prefix, the agents that have it and reports when every ready agent does.
func (s *simulator) watch(added, removed []*types.Entry, at time.Time) {
	if s.cfg.watchPrefix == "" || s.cfg.events == nil {
		return
	}
	idOf := func(e *types.Entry) string {
		return "spiffe://" + e.SpiffeId.TrustDomain + e.SpiffeId.Path
	}
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	s.watchMu.Lock()
	defer s.watchMu.Unlock()
	for _, e := range removed {
		if id := idOf(e); strings.HasPrefix(id, s.cfg.watchPrefix) {
			if s.have[id]--; s.have[id] <= 0 {
				delete(s.have, id)
			}
		}
	}
	for _, e := range added {
		id := idOf(e)
		if !strings.HasPrefix(id, s.cfg.watchPrefix) {
			continue
		}
		s.have[id]++
		if s.have[id] >= ready && ready > 0 && !s.done[id] {
			s.done[id] = true
			b, _ := json.Marshal(map[string]any{"id": id, "t_ns": at.UnixNano(), "agents": s.have[id]})
			s.cfg.events.Write(append(b, '\n'))
		}
	}
}

func jittered(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (1 - simJitter + 2*simJitter*mrand.Float64()))
}

// run is one agent's life after attestation: the first sync at once (manager.Initialize), then a sync every
// interval (jittered; backing off after failures, clamped to the interval while no SVID is cached).
func (s *simulator) run(ctx context.Context, a *simAgent, firstDone chan struct{}) {
	failures := 0
	afterFirst := false
	for first := true; ; first, afterFirst = false, first {
		if !first {
			next := jittered(s.cfg.interval)
			if failures > 0 {
				backoff := float64(s.cfg.interval)
				for i := 0; i < failures; i++ {
					backoff *= 1.5
				}
				next = jittered(min(time.Duration(backoff), simMaxBackoff))
			} else if len(a.svids) == 0 || afterFirst {
				next = min(next, s.cfg.interval) // runSynchronizer: the first wait, and while no SVID is cached
			}
			select {
			case <-ctx.Done():
				a.markReady(false)
				return
			case <-time.After(next):
			}
			if err := s.rotateIfDue(ctx, a, time.Now()); err != nil && ctx.Err() == nil {
				s.syncFailed(err)
			}
		}
		tSync := time.Now()
		d, err := s.synchronize(ctx, a)
		s.syncs.Add(1)
		if first {
			close(firstDone)
		}
		if err != nil {
			if ctx.Err() != nil {
				a.markReady(false)
				return
			}
			s.syncFailed(fmt.Errorf("agent %s: %w", a.id, err))
			failures++
			continue
		}
		failures = 0
		if !a.isReady && len(a.entries) >= s.cfg.expect {
			a.isReady = true
			s.mu.Lock()
			s.ready++
			s.firstSyncD = append(s.firstSyncD, tSync.Sub(a.syncStart)+d) // first sync call → expected entries received
			s.mu.Unlock()
			a.markReady(true)
		} else if a.isReady {
			s.mu.Lock()
			s.syncD = append(s.syncD, d)
			s.mu.Unlock()
		}
	}
}

func (a *simAgent) markReady(ok bool) {
	if a.readyDone != nil {
		a.readyDone(ok)
		a.readyDone = nil
	}
}

func (s *simulator) syncFailed(err error) {
	s.syncErrs.Add(1)
	s.syncErr1.CompareAndSwap(nil, err.Error())
}

// connect starts agents [next, next+n) with `concurrency` attesting at once; each agent then syncs on its own
// goroutine. Returns once every started agent has synced its expected entries (or failed, or 3 minutes passed).
func (s *simulator) connect(ctx context.Context, n, concurrency int, budget time.Duration) map[string]any {
	start := time.Now()
	s.mu.Lock()
	from := s.next
	s.next += n
	readyBefore := s.ready
	nFirst := len(s.firstSyncD)
	s.mu.Unlock()
	jobs := make(chan int)
	var wg sync.WaitGroup
	var attested, started, notReady atomic.Int64
	var attestD []time.Duration
	var pending sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				a := &simAgent{idx: i, ip: loopback(i), entries: map[string]*types.Entry{}, svids: map[string]cachedSVID{}}
				t0 := time.Now()
				if err := s.attest(ctx, a); err != nil {
					s.fail(fmt.Errorf("agent %d: %w", i, err))
					continue
				}
				ta := time.Since(t0)
				attested.Add(1)
				s.mu.Lock()
				attestD = append(attestD, ta)
				s.agents = append(s.agents, a)
				s.mu.Unlock()
				// the worker stays with the agent until its first sync is done, as spire-agent's start-up does
				first := make(chan struct{})
				pending.Add(1)
				var once sync.Once
				a.readyDone = func(ok bool) {
					once.Do(func() {
						if !ok {
							notReady.Add(1)
						}
						pending.Done()
					})
				}
				a.syncStart = time.Now()
				started.Add(1)
				go s.run(ctx, a, first)
				<-first
			}
		}()
	}
	for i := from; i < from+n; i++ {
		if budget > 0 && time.Since(start) > budget {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	waited := make(chan struct{})
	go func() { pending.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(3 * time.Minute):
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	readyNow := s.ready - readyBefore
	if int64(readyNow) < started.Load() {
		s.failures += int(started.Load()) - readyNow
		if s.firstErr == nil {
			s.firstErr = fmt.Errorf("%d attested agents did not receive their %d expected entries in time", int(started.Load())-readyNow, s.cfg.expect)
		}
	}
	out := map[string]any{
		"name": "spire_simagents_ready", "requested": n, "attested": attested.Load(), "synced": readyNow,
		"agents": s.ready, "failures": s.failures, "wall_s": time.Since(start).Seconds(), "svids_minted": s.minted.Load(),
	}
	if s.firstErr != nil {
		out["first_error"] = s.firstErr.Error()
	}
	if e := s.syncErr1.Load(); e != nil {
		out["first_sync_error"] = e
	}
	addPct(out, "attest", attestD)
	addPct(out, "first_sync", s.firstSyncD[nFirst:])
	return out
}

func addPct(out map[string]any, name string, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	sm := summarize(name, append([]time.Duration(nil), d...), 0, nil, 0)
	out[name+"_p50_ms"], out[name+"_p99_ms"], out[name+"_max_ms"] = sm.P50Ms, sm.P99Ms, sm.MaxMs
}

// probe: k agents, one after another, make a sync with an empty entry cache (a full SyncAuthorizedEntries, as a
// freshly started agent's) on their open connection, timed from the call to the entries received — like the
// Signet side's new SyncAuthorized stream on an agent's open channel.
func (s *simulator) probe(ctx context.Context, k int) map[string]any {
	s.mu.Lock()
	agents := append([]*simAgent(nil), s.agents[:min(k, len(s.agents))]...)
	s.mu.Unlock()
	var rec recorder
	for _, a := range agents {
		fresh := &simAgent{idx: a.idx, id: a.id, conn: a.conn, entries: map[string]*types.Entry{}}
		cctx, cancel := context.WithTimeout(ctx, simRPCTimeout)
		t0 := time.Now()
		_, _, err := s.syncEntries(cctx, fresh)
		el := time.Since(t0)
		cancel()
		if err == nil && len(fresh.entries) < s.cfg.expect {
			err = fmt.Errorf("probe sync of %s returned %d of %d entries", a.id, len(fresh.entries), s.cfg.expect)
		}
		rec.add(el, err)
	}
	sm := summarize("spire_simagents_probe", rec.d, rec.errs, rec.first, 0)
	return map[string]any{"name": sm.Name, "count": sm.Count, "errors": sm.Errors, "p50_ms": sm.P50Ms, "p99_ms": sm.P99Ms,
		"max_ms": sm.MaxMs, "first_error": sm.FirstEr}
}

func spireSimAgentsCmd(args []string) {
	fs := flag.NewFlagSet("spire-simagents", flag.ExitOnError)
	serverAddr := fs.String("server-addr", "", "spire-server agent API address host:port")
	serverSocket := fs.String("server-socket", "", "spire-server admin API socket (join tokens, bootstrap bundle)")
	tdName := fs.String("trust-domain", "example.org", "trust domain")
	n := fs.Int("n", 1, "agents to start")
	concurrency := fs.Int("concurrency", 8, "agents attesting at once")
	budget := fs.Duration("budget", 0, "stop starting agents after this long (0: no limit)")
	tokenPrefix := fs.String("token-prefix", "", "join token of agent i is <prefix><i> (default: server-generated)")
	alias := fs.String("alias", "", "SPIFFE ID of a node alias for every agent (CreateJoinToken agent_id)")
	mint := fs.Bool("mint", true, "mint X509-SVIDs for authorized entries on each sync, as spire-agent does")
	interval := fs.Duration("sync-interval", simSyncInterval, "sync interval (spire-agent default 5s)")
	expect := fs.Int("expect-entries", 0, "an agent is ready once its sync returned at least this many entries")
	watchPrefix := fs.String("watch-prefix", "", "report when every agent has an entry whose SPIFFE ID starts with this")
	eventsPath := fs.String("events", "", "file the -watch-prefix reports are appended to (JSON lines)")
	probeN := fs.Int("probe", 0, "after the first agents are ready, time this many single full syncs")
	fs.Parse(args)
	if *serverAddr == "" || *serverSocket == "" {
		fail(errors.New("spire-simagents: -server-addr and -server-socket are required"))
	}
	td, err := spiffeid.TrustDomainFromString(*tdName)
	if err != nil {
		fail(fmt.Errorf("-trust-domain: %w", err))
	}
	serverID, _ := spiffeid.FromSegments(td, "spire", "server")
	admin, err := grpc.NewClient("unix://"+*serverSocket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fail(err)
	}
	defer admin.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	bctx, cancel := context.WithTimeout(ctx, simRPCTimeout)
	b, err := bundlev1.NewBundleClient(admin).GetBundle(bctx, &bundlev1.GetBundleRequest{})
	cancel()
	if err != nil {
		fail(fmt.Errorf("bootstrap bundle from %s: %w", *serverSocket, err))
	}
	cas, err := bundleCerts(b)
	if err != nil {
		fail(err)
	}
	s := &simulator{cfg: simConfig{serverAddr: *serverAddr, td: td, serverID: serverID, admin: admin, tokenPrefix: *tokenPrefix,
		alias: *alias, mint: *mint, interval: *interval, expect: *expect, watchPrefix: *watchPrefix, bootstrapCAs: cas},
		have: map[string]int{}, done: map[string]bool{}}
	if *eventsPath != "" {
		f, err := os.OpenFile(*eventsPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fail(err)
		}
		defer f.Close()
		s.cfg.events = f
	}
	emit(s.connect(ctx, *n, *concurrency, *budget))
	if *probeN > 0 {
		emit(s.probe(ctx, *probeN))
	}
	// commands on stdin: "add K" starts K more agents; end of input stops everything.
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case l, ok := <-lines:
			if !ok {
				break loop
			}
			f := strings.Fields(l)
			if len(f) == 2 && f[0] == "add" {
				k, err := strconv.Atoi(f[1])
				if err != nil || k < 0 {
					emit(map[string]any{"name": "error", "error": "bad command: " + l})
					continue
				}
				emit(s.connect(ctx, k, *concurrency, *budget))
			} else if strings.TrimSpace(l) != "" {
				emit(map[string]any{"name": "error", "error": "unknown command: " + l})
			}
		}
	}
	stop()
	s.mu.Lock()
	out := map[string]any{"name": "spire_simagents_stopped", "agents": s.ready, "failures": s.failures, "syncs": s.syncs.Load(),
		"sync_errors": s.syncErrs.Load(), "svids_minted": s.minted.Load(), "mint_errors": s.mintErrs.Load(), "agent_renewals": s.renewals.Load()}
	if e := s.syncErr1.Load(); e != nil {
		out["first_sync_error"] = e
	}
	addPct(out, "periodic_sync", s.syncD)
	for _, a := range s.agents {
		a.conn.Close()
	}
	s.mu.Unlock()
	emit(out)
}
