package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"bffsuite.dev/deploy/internal/partners"
)

// partnerFlags are the flags of every partner subcommand.
type partnerFlags struct {
	userPool, resourceServer, endpoint, region string
	json                                       bool
}

func (f *partnerFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.userPool, "user-pool", "", "Cognito user pool id (bffdeploy outputs: user_pool_id); required")
	fs.StringVar(&f.resourceServer, "resource-server", "", "identifier of the partner API resource server (output resource_server_identifier); required")
	fs.StringVar(&f.endpoint, "endpoint", "", "Cognito endpoint URL, e.g. http://127.0.0.1:9229 for cognito-local (uses dummy credentials)")
	fs.StringVar(&f.region, "region", "", "AWS region (default from the AWS config; \"local\" with -endpoint)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
}

// client builds the Cognito client once per command.
func (f *partnerFlags) client(ctx context.Context) (*cip.Client, error) {
	var opts []func(*config.LoadOptions) error
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	if f.endpoint != "" {
		if f.region == "" {
			opts = append(opts, config.WithRegion("local"))
		}
		// cognito-local ignores signatures; do not require a real login for it.
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return nil, usagef("no AWS region: pass -region or set AWS_REGION")
	}
	return cip.NewFromConfig(cfg, func(o *cip.Options) {
		if f.endpoint != "" {
			o.BaseEndpoint = aws.String(f.endpoint)
		}
	}), nil
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
	var name, scopes *string
	switch sub {
	case "add":
		name = fs.String("name", "", "partner name (a-z, 0-9, -); the app client is named partner-NAME")
		scopes = fs.String("scopes", "", "comma-separated scope names of the resource server, e.g. orders.read,orders.write")
	case "disable":
		name = fs.String("name", "", "partner name")
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
	client, err := f.client(ctx)
	if err != nil {
		return err
	}
	m, err := partners.New(client, f.userPool, f.resourceServer)
	if err != nil {
		return usageError{err}
	}
	switch sub {
	case "add":
		var list []string
		if *scopes != "" {
			list = strings.Split(*scopes, ",")
		}
		creds, err := m.Add(ctx, *name, list)
		if err != nil {
			return err
		}
		if f.json {
			return a.printJSON(creds)
		}
		fmt.Fprintf(a.Stdout, "partner %s added\nclient_id     %s\nclient_secret %s\nscopes        %s\n",
			creds.Name, creds.ClientID, creds.ClientSecret, strings.Join(creds.Scopes, " "))
		fmt.Fprintln(a.Stderr, "The client secret is shown only now: hand it over through the secret channel agreed with the partner.")
		return nil
	case "disable":
		p, err := m.Disable(ctx, *name)
		if err != nil {
			return err
		}
		if f.json {
			return a.printJSON(p)
		}
		fmt.Fprintf(a.Stdout, "partner %s disabled (client %s keeps no flows or scopes; issued tokens expire within %d minutes)\n",
			p.Name, p.ClientID, partners.AccessTokenMinutes)
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
		fmt.Fprintln(tw, "NAME\tCLIENT ID\tSTATE\tMANAGED BY\tSCOPES")
		for _, p := range ps {
			state := "disabled"
			if p.Enabled {
				state = "enabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.ClientID, state, p.ManagedBy, strings.Join(p.Scopes, " "))
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
