package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/lambdastack"
)

// runLambda is `make run-lambda`: the three BFFs built as Lambda bootstraps, each under the
// Lambda Runtime Interface Emulator, behind local API Gateway fronts shaped like Terraform's
// APIs (shared/lambdastack), with the demo web app; Ctrl-C stops everything.
func runLambda(ctx context.Context, out io.Writer, o lambdastack.Options, demoAddr string) error {
	o.Output = out
	if demoAddr != "" {
		o.WebOrigins = []string{"http://" + demoAddr}
	}
	if !o.NoBuild {
		fmt.Fprintln(out, "building the bff-web, bff-mobile, bff-partner Lambda bootstraps ...")
	}
	s, err := lambdastack.Start(ctx, o)
	if err != nil {
		return err
	}
	var demo *http.Server
	if demoAddr != "" {
		if demo, err = serveDemo(o.Root, demoAddr, s.WebURL); err != nil {
			s.Close()
			return err
		}
	}
	lambdaBanner(out, s, demoAddr)
	var result error
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "\nstopping ...")
	case err := <-s.Err():
		result = err
		fmt.Fprintln(out, "\n"+err.Error()+"; stopping ...")
	}
	if demo != nil {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		_ = demo.Shutdown(sctx)
		c()
	}
	s.Close()
	return result
}

func lambdaBanner(out io.Writer, s *lambdastack.Stack, demo string) {
	var b strings.Builder
	line := strings.Repeat("─", 78)
	fmt.Fprintf(&b, "\n%s\n BFF suite as deployed: Lambda bootstraps under the RIE behind local API Gateway\n%s\n", line, line)
	fmt.Fprintf(&b, "  bff-web      %s   (HTTP API, payload 2.0)\n", s.WebURL)
	fmt.Fprintf(&b, "  bff-mobile   %s   (HTTP API, payload 2.0, JWT authorizer)\n", s.MobileURL)
	fmt.Fprintf(&b, "  bff-partner  %s   (REST API, payload 1.0, Cognito authorizer, API key)\n", s.PartnerURL)
	if demo != "" {
		fmt.Fprintf(&b, "  demo web app http://%s   (open in a browser)\n", demo)
	}
	fmt.Fprintf(&b, "  user pool    %s   (local IdP: Cognito API, JWKS, /oauth2/token)\n", s.Issuer)
	fmt.Fprintf(&b, "\n  demo user: %s / %s   (confirmation code for new sign-ups: 123456)\n", localidp.DemoUser, "Demo-Passw0rd!")
	fmt.Fprintf(&b, "  demo partner API key: %s\n", s.PartnerAPIKey)
	fmt.Fprintf(&b, "\n  try:\n    curl -s %s/healthz\n", s.WebURL)
	fmt.Fprintf(&b, "    TOKEN=$(curl -s -u demo-partner:demo-partner-secret -d grant_type=client_credentials %s | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')\n", s.PartnerTokenURL)
	fmt.Fprintf(&b, "    curl -s -H \"Authorization: Bearer $TOKEN\" -H 'x-api-key: %s' '%s/v1/products?limit=3'\n", s.PartnerAPIKey, s.PartnerURL)
	fmt.Fprintf(&b, "\n  Ctrl-C stops everything.\n%s\n", line)
	fmt.Fprint(out, b.String())
}
