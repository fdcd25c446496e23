package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"bffsuite.dev/deploy/internal/partners"
	"bffsuite.dev/shared/store/dynamo"
)

// partnerFlags are the flags of every partner subcommand.
type partnerFlags struct {
	outputs, userPool, resourceServer, table, usagePlans, endpoint, region string
	json                                                                   bool
}

func (f *partnerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.outputs, "outputs", "", "JSON of `tofu output -json` of the env root: fills the four flags below")
	fs.StringVar(&f.userPool, "user-pool", "", "Cognito user pool id (output user_pool_id)")
	fs.StringVar(&f.resourceServer, "resource-server", "", "identifier of the partner API resource server (output resource_server_identifier)")
	fs.StringVar(&f.table, "table", "", "partner registry table (output partner_registry_table)")
	fs.StringVar(&f.usagePlans, "usage-plans", "", "usage plan ids by rate tier, tier=ID,... (output partner_usage_plan_ids)")
	fs.StringVar(&f.endpoint, "endpoint", "", "one endpoint URL for Cognito, API Gateway and DynamoDB, e.g. moto_server's http://127.0.0.1:5000 (uses test credentials)")
	fs.StringVar(&f.region, "region", "", "AWS region (default from the AWS config; us-east-1 with -endpoint)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
}

// fromOutputs fills unset flags from a `tofu output -json` document.
func (f *partnerFlags) fromOutputs() error {
	if f.outputs == "" {
		return nil
	}
	b, err := os.ReadFile(f.outputs)
	if err != nil {
		return usagef("-outputs: %v", err)
	}
	var outs map[string]struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(b, &outs); err != nil {
		return usagef("-outputs %s: not the JSON of `tofu output -json`: %v", f.outputs, err)
	}
	str := func(dst *string, name string) error {
		o, ok := outs[name]
		if *dst != "" || !ok {
			return nil
		}
		if err := json.Unmarshal(o.Value, dst); err != nil {
			return usagef("-outputs: %s is not a string: %v", name, err)
		}
		return nil
	}
	for _, s := range []struct {
		dst  *string
		name string
	}{{&f.userPool, "user_pool_id"}, {&f.resourceServer, "resource_server_identifier"}, {&f.table, "partner_registry_table"}} {
		if err := str(s.dst, s.name); err != nil {
			return err
		}
	}
	if o, ok := outs["partner_usage_plan_ids"]; ok && f.usagePlans == "" {
		var plans map[string]string
		if err := json.Unmarshal(o.Value, &plans); err != nil {
			return usagef("-outputs: partner_usage_plan_ids is not a map of strings: %v", err)
		}
		var parts []string
		for tier, id := range plans {
			parts = append(parts, tier+"="+id)
		}
		f.usagePlans = strings.Join(parts, ",")
	}
	return nil
}

func (f *partnerFlags) plans() (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(f.usagePlans, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		tier, id, ok := strings.Cut(kv, "=")
		if !ok || tier == "" || id == "" {
			return nil, usagef("-usage-plans: %q is not tier=ID", kv)
		}
		out[tier] = id
	}
	return out, nil
}

// manager builds the AWS clients once per command and the partner manager over them.
func (f *partnerFlags) manager(ctx context.Context) (*partners.Manager, error) {
	if err := f.fromOutputs(); err != nil {
		return nil, err
	}
	if f.table == "" {
		return nil, usagef("-table (or -outputs with partner_registry_table) is required")
	}
	plans, err := f.plans()
	if err != nil {
		return nil, err
	}
	var opts []func(*config.LoadOptions) error
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	if f.endpoint != "" {
		if f.region == "" {
			opts = append(opts, config.WithRegion("us-east-1"))
		}
		// Local emulators accept any signature; do not require a real login for them.
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("testing", "testing", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, usagef("no AWS region: pass -region or set AWS_REGION")
	}
	if f.endpoint != "" {
		cfg.BaseEndpoint = aws.String(f.endpoint)
	}
	db := dynamo.NewClient(cfg, f.endpoint)
	m, err := partners.New(cip.NewFromConfig(cfg), apigateway.NewFromConfig(cfg), dynamo.NewPartners(db, f.table),
		partners.Config{UserPoolID: f.userPool, ResourceServer: f.resourceServer, UsagePlans: plans})
	if err != nil {
		return nil, usageError{err}
	}
	return m, nil
}

const partnerUsage = `bffdeploy partner manages partner app clients (client_credentials) in the Cognito user pool.

Usage:
  bffdeploy partner add     -user-pool ID -resource-server ID -name NAME -scopes a.read,b.write [-endpoint URL] [-region R] [-json]
  bffdeploy partner list    -user-pool ID -resource-server ID [-endpoint URL] [-region R] [-json]
  bffdeploy partner disable -user-pool ID -resource-server ID -name NAME [-endpoint URL] [-region R] [-json]

Run "bffdeploy partner SUBCOMMAND -h" for its flags.
`

func (a *App) partner(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usagef("partner needs a subcommand: add, list or disable (bffdeploy partner -h)")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(a.Stdout, partnerUsage)
		return flag.ErrHelp
	}
	sub, args := args[0], args[1:]
	var f partnerFlags
	fs := a.newFlagSet("partner " + sub)
	f.register(fs)
	var name, display, scopes, tier *string
	switch sub {
	case "add":
		name = fs.String("name", "", "partner id (a-z, 0-9, -): the tenant of its orders; the app client is named partner-NAME")
		display = fs.String("display-name", "", "partner name in the registry (default: -name)")
		scopes = fs.String("scopes", "", "comma-separated scope names of the resource server, e.g. catalog.read,orders.read,orders.write")
		tier = fs.String("tier", "", "rate tier: one of the usage plans (-usage-plans), e.g. silver")
	case "disable":
		name = fs.String("name", "", "partner id")
	case "list":
	default:
		return usagef("unknown partner subcommand %q (add, list, disable)", sub)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if name != nil && *name == "" {
		return usagef("-name is required")
	}
	if tier != nil && *tier == "" {
		return usagef("-tier is required")
	}
	m, err := f.manager(ctx)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		var list []string
		if *scopes != "" {
			list = strings.Split(*scopes, ",")
		}
		res, err := m.Add(ctx, partners.AddInput{Name: *name, DisplayName: *display, Scopes: list, Tier: *tier})
		if err != nil {
			return err
		}
		if f.json {
			return a.printJSON(res)
		}
		p := res.Partner
		if !res.Created {
			fmt.Fprintf(a.Stdout, "partner %s already registered (%s)\nclient_id     %s\napi_key_id    %s\ntier          %s\nscopes        %s\n",
				p.ID, p.Status, p.ClientID, p.APIKeyID, p.RateTier, strings.Join(p.Scopes, " "))
			fmt.Fprintln(a.Stderr, "Nothing was created; the client secret and API key were shown when the partner was added.")
			return nil
		}
		fmt.Fprintf(a.Stdout, "partner %s added\nclient_id     %s\nclient_secret %s\napi_key       %s\napi_key_id    %s\ntier          %s\nscopes        %s\n",
			p.ID, p.ClientID, res.ClientSecret, res.APIKey, p.APIKeyID, p.RateTier, strings.Join(p.Scopes, " "))
		fmt.Fprintln(a.Stderr, "The client secret and API key are shown only now: hand them over through the secret channel agreed with the partner.")
		fmt.Fprintln(a.Stderr, "bff-partner admits the partner within its registry cache TTL (BFF_PARTNER_CACHE_TTL, 30 s by default).")
		return nil
	case "disable":
		recs, err := m.Disable(ctx, *name)
		if err != nil {
			return err
		}
		if f.json {
			return a.printJSON(recs)
		}
		for _, p := range recs {
			fmt.Fprintf(a.Stdout, "partner %s suspended (client %s; API key %s disabled)\n", p.ID, p.ClientID, p.APIKeyID)
		}
		fmt.Fprintf(a.Stdout, "bff-partner refuses it within its cache TTL (30 s by default); the app client keeps no flows or scopes, issued tokens expire within %d minutes\n",
			partners.AccessTokenMinutes)
		return nil
	default:
		ps, err := m.List(ctx)
		if err != nil {
			return err
		}
		if f.json {
			return a.printJSON(ps)
		}
		tw := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PARTNER\tNAME\tCLIENT ID\tSTATUS\tTOKENS\tTIER\tMANAGED BY\tAPI KEY\tSCOPES")
		for _, p := range ps {
			tokens := "disabled"
			if p.ClientEnabled {
				tokens = "enabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Name, p.ClientID, p.Status, tokens, p.RateTier,
				p.ManagedBy, p.APIKeyID, strings.Join(p.Scopes, " "))
		}
		return tw.Flush()
	}
}

func (a *App) printJSON(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.Stdout, "%s\n", b)
	return err
}
