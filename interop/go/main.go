// Command goclient is a workload built on the unmodified go-spiffe v2 library. Signet's integration tests
// run it against a real agent; it prints one JSON object per result on stdout and exits 0, or prints
// "error: ..." on stderr and exits 1.
//
//	goclient x509                     X509Source: SPIFFE ID, chain verified against the bundle
//	goclient jwt -audience A          JWTSource: fetch a JWT-SVID, validate it locally and through the agent
//	goclient watch -timeout 60s       X509Source: wait until the SVID rotates, print old and new serials
//	goclient jwt-bundle-watch -audience A -timeout 90s
//	                                  Client.WatchJWTBundles on one stream, plus a JWT-SVID fetched every
//	                                  500 ms (a fresh audience A-<n> each time, so never a cached token):
//	                                  waits until a new kid arrives on the watch and then until a token is
//	                                  signed with it; checks that every token's kid was already in the
//	                                  watched bundle (published before use) and validates the first token of
//	                                  the new key locally against the updated bundle and through the agent
//
// The agent address comes from SPIFFE_ENDPOINT_SOCKET, as for every SPIFFE client.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/jwtbundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: goclient x509|jwt|watch|jwt-bundle-watch [flags]"))
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	audience := fs.String("audience", "", "JWT audience")
	timeout := fs.Duration("timeout", 30*time.Second, "overall deadline")
	_ = fs.Parse(os.Args[2:])
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var err error
	switch os.Args[1] {
	case "x509":
		err = x509(ctx)
	case "jwt":
		err = jwt(ctx, *audience)
	case "watch":
		err = watch(ctx)
	case "jwt-bundle-watch":
		err = jwtBundleWatch(ctx, *audience)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func x509(ctx context.Context) error {
	source, err := workloadapi.NewX509Source(ctx)
	if err != nil {
		return fmt.Errorf("X509Source: %w", err)
	}
	defer source.Close()
	svid, err := source.GetX509SVID()
	if err != nil {
		return err
	}
	_, _, verr := x509svid.Verify(svid.Certificates, source)
	emit(map[string]any{
		"spiffe_id":   svid.ID.String(),
		"serial":      svid.Certificates[0].SerialNumber.Text(16),
		"chain_valid": verr == nil,
		"verify_err":  errString(verr),
	})
	return nil
}

func jwt(ctx context.Context, audience string) error {
	if audience == "" {
		return errors.New("-audience is required")
	}
	source, err := workloadapi.NewJWTSource(ctx)
	if err != nil {
		return fmt.Errorf("JWTSource: %w", err)
	}
	defer source.Close()
	svid, err := source.FetchJWTSVID(ctx, jwtsvid.Params{Audience: audience})
	if err != nil {
		return fmt.Errorf("FetchJWTSVID: %w", err)
	}
	token := svid.Marshal()
	_, localErr := jwtsvid.ParseAndValidate(token, source, []string{audience})
	viaAgent, agentErr := workloadapi.ValidateJWTSVID(ctx, token, audience)
	agentID := ""
	if viaAgent != nil {
		agentID = viaAgent.ID.String()
	}
	_, wrongAudErr := jwtsvid.ParseAndValidate(token, source, []string{audience + "-other"})
	emit(map[string]any{
		"spiffe_id":          svid.ID.String(),
		"audience":           svid.Audience,
		"local_valid":        localErr == nil,
		"local_err":          errString(localErr),
		"agent_valid":        agentErr == nil,
		"agent_err":          errString(agentErr),
		"agent_spiffe_id":    agentID,
		"wrong_audience_err": errString(wrongAudErr),
	})
	return nil
}

func watch(ctx context.Context) error {
	source, err := workloadapi.NewX509Source(ctx)
	if err != nil {
		return fmt.Errorf("X509Source: %w", err)
	}
	defer source.Close()
	first, err := source.GetX509SVID()
	if err != nil {
		return err
	}
	before := first.Certificates[0].SerialNumber.Text(16)
	emit(map[string]any{"event": "initial", "spiffe_id": first.ID.String(), "serial": before})
	for {
		select {
		case <-ctx.Done():
			return fmt.Errorf("no rotation before the deadline (still serial %s)", before)
		case <-source.Updated():
			svid, err := source.GetX509SVID()
			if err != nil {
				return err
			}
			after := svid.Certificates[0].SerialNumber.Text(16)
			if after != before {
				emit(map[string]any{"event": "rotated", "spiffe_id": svid.ID.String(), "old_serial": before, "serial": after})
				return nil
			}
		}
	}
}

// bundleWatcher is a workloadapi.JWTBundleWatcher that keeps the latest JWT bundle set.
type bundleWatcher struct {
	mu      sync.Mutex
	latest  *jwtbundle.Set
	updates int
	errs    []string
	changed chan struct{}
}

func (w *bundleWatcher) OnJWTBundlesUpdate(set *jwtbundle.Set) {
	w.mu.Lock()
	w.latest = set
	w.updates++
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

func (w *bundleWatcher) OnJWTBundlesWatchError(err error) {
	w.mu.Lock()
	w.errs = append(w.errs, err.Error())
	w.mu.Unlock()
}

// snapshot returns the latest set (nil before the first update), the number of updates and of watch errors
// (a watch error means the stream broke and go-spiffe reconnected).
func (w *bundleWatcher) snapshot() (*jwtbundle.Set, int, []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.latest, w.updates, append([]string{}, w.errs...)
}

func kids(set *jwtbundle.Set, td spiffeid.TrustDomain) []string {
	out := []string{}
	if set == nil {
		return out
	}
	if b, ok := set.Get(td); ok {
		for kid := range b.JWTAuthorities() {
			out = append(out, kid)
		}
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// headerKid returns the "kid" of a compact JWS (go-spiffe's SVID does not expose the header).
func headerKid(token string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.SplitN(token, ".", 2)[0])
	if err != nil {
		return "", fmt.Errorf("token header: %w", err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", fmt.Errorf("token header: %w", err)
	}
	return h.Kid, nil
}

func jwtBundleWatch(ctx context.Context, audience string) error {
	if audience == "" {
		return errors.New("-audience is required")
	}
	client, err := workloadapi.New(ctx)
	if err != nil {
		return fmt.Errorf("workloadapi.New: %w", err)
	}
	defer client.Close()
	w := &bundleWatcher{changed: make(chan struct{}, 1)}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watchDone := make(chan struct{})
	go func() {
		_ = client.WatchJWTBundles(watchCtx, w)
		close(watchDone)
	}()
	defer func() {
		stopWatch()
		<-watchDone
	}()

	fetch := func(n int) (*jwtsvid.SVID, string, string, error) {
		aud := fmt.Sprintf("%s-%d", audience, n)
		svid, err := client.FetchJWTSVID(ctx, jwtsvid.Params{Audience: aud})
		if err != nil {
			return nil, "", "", fmt.Errorf("FetchJWTSVID: %w", err)
		}
		kid, err := headerKid(svid.Marshal())
		return svid, kid, aud, err
	}

	// The first bundle message, then the first token.
	select {
	case <-w.changed:
	case <-ctx.Done():
		return errors.New("no JWT bundle arrived on the watch")
	}
	n := 0
	svid, kid, _, err := fetch(n)
	if err != nil {
		return err
	}
	td := svid.ID.TrustDomain()
	set, _, _ := w.snapshot()
	initial := kids(set, td)
	emit(map[string]any{"event": "initial", "spiffe_id": svid.ID.String(), "kids": initial, "signing_kid": kid})
	if !contains(initial, kid) {
		return fmt.Errorf("the first token's kid %s is not in the JWT bundle %v", kid, initial)
	}

	announced := map[string]bool{}
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			set, updates, errs := w.snapshot()
			return fmt.Errorf("no token signed by a new key before the deadline (bundle kids %v, %d updates, watch errors %v)",
				kids(set, td), updates, errs)
		case <-w.changed:
		case <-ticker.C:
		}
		set, updates, errs := w.snapshot()
		current := kids(set, td)
		newKids := []string{}
		for _, k := range current {
			if !contains(initial, k) {
				newKids = append(newKids, k)
			}
		}
		fresh := false
		for _, k := range newKids {
			if !announced[k] {
				announced[k] = true
				fresh = true
			}
		}
		if fresh {
			emit(map[string]any{"event": "bundle_updated", "kids": current, "new_kids": newKids, "updates": updates,
				"watch_errors": errs})
		}

		n++
		svid, kid, aud, err := fetch(n)
		if err != nil {
			return err
		}
		// The bundle as this client knows it once it holds the token.
		after, updates, errs := w.snapshot()
		if !contains(kids(after, td), kid) {
			emit(map[string]any{"event": "unpublished_kid", "kid": kid, "kids": kids(after, td)})
			return fmt.Errorf("token %d is signed by kid %s, which is not in the watched JWT bundle %v", n, kid, kids(after, td))
		}
		if !announced[kid] {
			continue // still the initial key (or one that was already published when the watch started)
		}
		token := svid.Marshal()
		local, localErr := jwtsvid.ParseAndValidate(token, after, []string{aud})
		localID := ""
		if local != nil {
			localID = local.ID.String()
		}
		viaAgent, agentErr := client.ValidateJWTSVID(ctx, token, aud)
		agentID := ""
		if viaAgent != nil {
			agentID = viaAgent.ID.String()
		}
		emit(map[string]any{
			"event":           "signed_by_new_key",
			"kid":             kid,
			"spiffe_id":       svid.ID.String(),
			"tokens":          n + 1,
			"local_valid":     localErr == nil,
			"local_err":       errString(localErr),
			"local_spiffe_id": localID,
			"agent_valid":     agentErr == nil,
			"agent_err":       errString(agentErr),
			"agent_spiffe_id": agentID,
			"updates":         updates,
			"watch_errors":    errs,
		})
		return nil
	}
}

func emit(v map[string]any) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}
