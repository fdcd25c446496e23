package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	tfjson "github.com/hashicorp/terraform-json"
)

// minUnreserved is the concurrency AWS keeps unreserved in every account and region: a
// function's reserved concurrency may not bring UnreservedConcurrentExecutions below it.
const minUnreserved = 100

// reservedConcurrency sums reserved_concurrent_executions (> 0; -1 means none) of the
// aws_lambda_function resources the plan leaves in place or creates, by address.
func reservedConcurrency(p *tfjson.Plan) (int, map[string]int) {
	per := map[string]int{}
	total := 0
	if p == nil {
		return 0, per
	}
	for _, rc := range p.ResourceChanges {
		if rc.Type != "aws_lambda_function" || rc.Change == nil || rc.Change.Actions.Delete() {
			continue
		}
		after, ok := rc.Change.After.(map[string]any)
		if !ok {
			continue
		}
		n, ok := after["reserved_concurrent_executions"].(float64)
		if !ok || n <= 0 {
			continue
		}
		per[rc.Address] = int(n)
		total += int(n)
	}
	return total, per
}

// accountSettings is what GetAccountSettings tells about concurrency.
type accountSettings struct{ concurrent, unreserved int }

// lambdaAccountSettings asks Lambda for the account's concurrency limit (AWS_ENDPOINT_URL and
// AWS_ENDPOINT_URL_LAMBDA are honoured).
func lambdaAccountSettings(ctx context.Context) (accountSettings, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return accountSettings{}, fmt.Errorf("load AWS config: %w", err)
	}
	out, err := lambda.NewFromConfig(cfg).GetAccountSettings(ctx, &lambda.GetAccountSettingsInput{})
	if err != nil {
		return accountSettings{}, fmt.Errorf("lambda GetAccountSettings: %w", err)
	}
	if out.AccountLimit == nil {
		return accountSettings{}, fmt.Errorf("lambda GetAccountSettings: no AccountLimit in the answer")
	}
	return accountSettings{
		concurrent: int(out.AccountLimit.ConcurrentExecutions),
		unreserved: int(aws.ToInt32(out.AccountLimit.UnreservedConcurrentExecutions)),
	}, nil
}

// checkQuota refuses a plan whose reserved concurrency exceeds what the account can reserve
// (ConcurrentExecutions - 100): apply would fail on the first such function, half-way.
func checkQuota(plan int, per map[string]int, acct accountSettings) error {
	avail := acct.concurrent - minUnreserved
	if plan <= avail {
		return nil
	}
	addrs := make([]string, 0, len(per))
	for a := range per {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	var b strings.Builder
	for _, a := range addrs {
		fmt.Fprintf(&b, "\n  %s: %d", a, per[a])
	}
	return fmt.Errorf("%w: the plan reserves %d concurrent executions, but the account's Lambda concurrency quota is %d and AWS keeps %d unreserved (at most %d can be reserved):%s\n"+
		"ask for a higher \"Concurrent executions\" quota (Service Quotas) or lower reserved_concurrency in the env's lambdas",
		errRefused, plan, acct.concurrent, minUnreserved, avail, b.String())
}

// quota runs the concurrency check of a plan against the caller's account.
func (a *App) quota(ctx context.Context, p *tfjson.Plan) error {
	total, per := reservedConcurrency(p)
	if total == 0 {
		return nil
	}
	acct, err := lambdaAccountSettings(ctx)
	if err != nil {
		return fmt.Errorf("concurrency quota check: %w", err)
	}
	fmt.Fprintf(a.Stderr, "Lambda concurrency: the plan reserves %d; account quota %d (%d reservable, %d unreserved now)\n",
		total, acct.concurrent, acct.concurrent-minUnreserved, acct.unreserved)
	return checkQuota(total, per, acct)
}
