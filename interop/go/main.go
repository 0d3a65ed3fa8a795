// Command goclient is a workload built on the unmodified go-spiffe v2 library. Signet's integration tests
// run it against a real agent; it prints one JSON object per result on stdout and exits 0, or prints
// "error: ..." on stderr and exits 1.
//
//	goclient x509                     X509Source: SPIFFE ID, chain verified against the bundle
//	goclient jwt -audience A          JWTSource: fetch a JWT-SVID, validate it locally and through the agent
//	goclient watch -timeout 60s       X509Source: wait until the SVID rotates, print old and new serials
//
// The agent address comes from SPIFFE_ENDPOINT_SOCKET, as for every SPIFFE client.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spiffe/go-spiffe/v2/svid/jwtsvid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"github.com/spiffe/go-spiffe/v2/workloadapi"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: goclient x509|jwt|watch [flags]"))
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
