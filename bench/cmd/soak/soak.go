package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/workspace"

	"bffsuite.dev/bench/internal/ledger"
	"bffsuite.dev/bench/internal/proc"
	"bffsuite.dev/bench/internal/suite"
	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/revocation"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
)

// growth is the stated bound: from the sample taken once the warm-up (the first fifth of the
// run) is over to the end, RSS may grow by at most half plus 32 MiB, threads by 8 and open
// files by 64 (keep-alive connections of the clients come and go).
var growth = ledger.Growth{RSSFactor: 1.5, RSSSlackKiB: 32 << 10, Threads: 8, FDs: 64}

// Result is what the soak writes.
type Result struct {
	Date       string                     `json:"date"`
	Duration   time.Duration              `json:"duration_ns"`
	Options    map[string]any             `json:"options"`
	Ledger     *ledger.Ledger             `json:"ledger"`
	Orders     map[string]int             `json:"orders_confirmed"`
	Samples    map[string][]ledger.Sample `json:"samples"`
	Stock      map[string]string          `json:"stock_checked"`
	Problems   []string                   `json:"problems"`
	Notes      []string                   `json:"notes"`
	Growth     ledger.Growth              `json:"growth_bound"`
	Statuses   map[string]map[int]int     `json:"statuses"`
	Operations map[string]map[string]int  `json:"operations"`
	Machine    map[string]string          `json:"machine"`
}

type stack struct {
	name       string
	injectable bool
	bffs       map[string]*suite.BFF
	ddb        *testenv.DynamoDBLocal
}

func (s *stack) stop() {
	for _, b := range s.bffs {
		b.Stop()
	}
	if s.ddb != nil {
		s.ddb.Stop()
	}
}

var bffNames = []string{"bff-web", "bff-mobile", "bff-partner"}

func run(ctx context.Context, o options) (*Result, error) {
	start := time.Now()
	if o.root == "" {
		r, err := workspace.Root()
		if err != nil {
			return nil, fmt.Errorf("%w: pass -root", err)
		}
		o.root = r
	}
	if !filepath.IsAbs(o.out) {
		o.out = filepath.Join(o.root, o.out)
	}
	work, err := os.MkdirTemp("", "soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	logf("building the BFFs and seed-dynamodb")
	bin := filepath.Join(work, "bin")
	if err := proc.Build(ctx, o.root, bin, []string{"CGO_ENABLED=0"}, []string{"-trimpath"},
		"./bff-web", "./bff-mobile", "./bff-partner", "./shared/cmd/seed-dynamodb"); err != nil {
		return nil, err
	}
	// The demo partner may also read inventory here, so the stock can be checked through the API.
	partners := filepath.Join(work, "partners.json")
	if err := os.WriteFile(partners, []byte(`{"clients":[{"client_id":"`+suite.PartnerClient+`","client_secret":"`+suite.PartnerSecret+
		`","name":"Soak partner","scopes":["partner-api/catalog.read","partner-api/orders.read","partner-api/orders.write","partner-api/inventory.read"]}]}`), 0o600); err != nil {
		return nil, err
	}
	common := []string{
		"BFF_LOCAL_IDP_PARTNERS_FILE=" + partners,
		"BFF_PARTNER_RATE_TIERS=bronze=100000/100000,silver=100000/100000,gold=100000/100000",
		"BFF_LOG_LEVEL=warn",
	}
	res := &Result{
		Date: time.Now().UTC().Format("2006-01-02 15:04 MST"), Ledger: ledger.New(), Orders: map[string]int{},
		Samples: map[string][]ledger.Sample{}, Stock: map[string]string{}, Growth: growth,
		Operations: map[string]map[string]int{},
		Options:    map[string]any{"duration": o.duration.String(), "rate_per_bff": o.rate, "workers_per_bff": o.workers, "backends": o.backends, "faults": o.faults},
		Machine:    machine(),
	}
	var stacks []*stack
	defer func() {
		for _, s := range stacks {
			s.stop()
		}
	}()
	for _, b := range strings.Split(o.backends, ",") {
		switch strings.TrimSpace(b) {
		case "embedded":
			logf("starting the embedded stack with BFF_FAULTS=%s", o.faults)
			s := &stack{name: "embedded", injectable: o.faults != "", bffs: map[string]*suite.BFF{}}
			stacks = append(stacks, s)
			for _, n := range bffNames {
				bf, err := suite.Start(ctx, n, filepath.Join(bin, n), append(slices.Clone(common), "BFF_FAULTS="+o.faults))
				if err != nil {
					return nil, err
				}
				s.bffs[n] = bf
			}
		case "dynamodb":
			logf("starting DynamoDB Local, creating and seeding the tables")
			s := &stack{name: "dynamodb", bffs: map[string]*suite.BFF{}}
			stacks = append(stacks, s)
			ddb, err := testenv.StartDynamoDBLocal(ctx)
			if err != nil {
				return nil, fmt.Errorf("DynamoDB Local (run .ci/install-deps ddb): %w", err)
			}
			s.ddb = ddb
			seedOut, err := exec(ctx, filepath.Join(bin, "seed-dynamodb"), "-endpoint", ddb.Endpoint)
			if err != nil {
				return nil, fmt.Errorf("seed-dynamodb: %w\n%s", err, seedOut)
			}
			db := ddb.Client()
			if err := dynamo.CreateIdempotencyTable(ctx, db, "bff-idempotency"); err != nil {
				return nil, err
			}
			if err := devices.CreateTable(ctx, db, "bff-devices"); err != nil {
				return nil, err
			}
			if err := revocation.CreateTable(ctx, db, "bff-session-revocations"); err != nil {
				return nil, err
			}
			env := append(slices.Clone(common), "BFF_DATA_BACKEND=dynamodb", "BFF_DYNAMODB_ENDPOINT="+ddb.Endpoint,
				"BFF_CURSOR_KEY=soak-cursor-key-0123456789abcdef", "AWS_REGION=us-east-1")
			for _, n := range bffNames {
				bf, err := suite.Start(ctx, n, filepath.Join(bin, n), env)
				if err != nil {
					return nil, err
				}
				s.bffs[n] = bf
			}
		case "":
		default:
			return nil, fmt.Errorf("-backends: unknown stack %q (want embedded, dynamodb)", b)
		}
	}
	if len(stacks) == 0 {
		return nil, fmt.Errorf("-backends: no stack to soak")
	}

	// Sign in and take the order listings before any traffic.
	var drivers []*driver
	for _, s := range stacks {
		for _, n := range bffNames {
			d, err := newDriver(ctx, s, n, res.Ledger, o)
			if err != nil {
				return nil, fmt.Errorf("%s/%s: %w", s.name, n, err)
			}
			drivers = append(drivers, d)
		}
	}
	before := map[string]map[string]bool{}
	for _, d := range drivers {
		listed, err := d.listOrders(ctx)
		if err != nil {
			return nil, err
		}
		before[d.target] = map[string]bool{}
		for id := range listed {
			before[d.target][id] = true
		}
	}

	logf("mixed traffic for %s: %.0f req/s per BFF on %d stack(s)", o.duration, o.rate, len(stacks))
	tctx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	var wg sync.WaitGroup
	for _, d := range drivers {
		for w := range o.workers {
			wg.Add(1)
			go func() { defer wg.Done(); d.loop(tctx, w, o.rate/float64(o.workers)) }()
		}
	}
	baseAt := o.duration / 5
	base := map[string]ledger.Sample{}
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		t := time.NewTicker(o.sampleEach)
		defer t.Stop()
		for {
			select {
			case <-tctx.Done():
				return
			case <-t.C:
				for _, d := range drivers {
					if s, ok := sample(d, start); ok {
						res.Samples[d.target] = append(res.Samples[d.target], s)
						if _, ok := base[d.target]; !ok && time.Since(start) >= baseAt {
							base[d.target] = s
						}
					}
				}
				logf("  %d requests so far", res.Ledger.Requests)
			}
		}
	}()
	wg.Wait()
	<-sampleDone
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	logf("traffic done: %d requests; checking", res.Ledger.Requests)
	time.Sleep(2 * time.Second) // let in-flight work and idle connections settle
	for _, d := range drivers {
		end, ok := sample(d, start)
		if !ok {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: process is gone at the end of the run", d.target))
			continue
		}
		res.Samples[d.target] = append(res.Samples[d.target], end)
		b, ok := base[d.target]
		if !ok && len(res.Samples[d.target]) > 0 {
			b = res.Samples[d.target][0]
		}
		res.Problems = append(res.Problems, growth.Check(d.target, b, end)...)
		if d.bff.Proc.Exited() {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: exited during the run", d.target))
		}
	}
	// Orders: every 201 listed exactly once, nothing written behind a failed answer.
	for _, d := range drivers {
		listed, err := d.listOrders(ctx)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: list orders after the run: %v", d.target, err))
			continue
		}
		res.Orders[d.target] = len(res.Ledger.OrderIDs(d.target))
		// The web and mobile BFFs sign in as the same demo customer: on a shared store each
		// lists the orders placed through both.
		targets := []string{d.target}
		if d.stack.name == "dynamodb" && d.name != "bff-partner" {
			targets = []string{d.stack.name + "/bff-web", d.stack.name + "/bff-mobile"}
		}
		res.Problems = append(res.Problems, res.Ledger.CheckOrders(d.target, targets, listed, before[d.target])...)
	}
	// Stock, read through the partner API of each stack.
	seedStock := suite.SeedStock()
	for _, s := range stacks {
		var p *driver
		var targets []string
		for _, d := range drivers {
			if d.stack != s {
				continue
			}
			if d.name == "bff-partner" {
				p = d
			}
			// On DynamoDB the three BFFs share the tables; on embedded each process has its own data.
			if s.name == "dynamodb" || d.name == "bff-partner" {
				targets = append(targets, d.target)
			}
		}
		observed, err := p.inventory(ctx, seedStock)
		if err != nil {
			res.Problems = append(res.Problems, fmt.Sprintf("%s: read inventory: %v", s.name, err))
			continue
		}
		res.Stock[s.name] = fmt.Sprintf("%d SKUs against the orders of %s", len(observed), strings.Join(targets, ", "))
		res.Problems = append(res.Problems, ledger.CheckStock(s.name, seedStock, res.Ledger.NetUnits(targets...), observed)...)
	}
	for t, n := range res.Ledger.NoCorrelation {
		res.Problems = append(res.Problems, fmt.Sprintf("%s: %d responses without a correlation ID", t, n))
	}
	for k, n := range res.Ledger.Unexpected5xx {
		res.Problems = append(res.Problems, fmt.Sprintf("unexpected 5xx: %d× %s", n, k))
	}
	for t, n := range res.Ledger.TransportErrors {
		res.Problems = append(res.Problems, fmt.Sprintf("%s: %d requests got no response", t, n))
	}
	if res.Ledger.ReplayMismatch > 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("%d of %d idempotent replays answered another order", res.Ledger.ReplayMismatch, res.Ledger.Replays))
	}
	for _, d := range drivers {
		res.Operations[d.target] = d.ops
	}
	res.Statuses = res.Ledger.Statuses
	res.Notes = append(res.Notes,
		"Fault injection (BFF_FAULTS) applies to the embedded backend only (store.Config refuses it with dynamodb); the DynamoDB stack runs the same traffic without injected faults, against DynamoDB Local's own latency.",
		"On the embedded stack each BFF process has its own copy of the data, so stock is checked for bff-partner's process there; on DynamoDB the three BFFs share the tables and stock is checked against the orders of all three.",
		"Memory, threads and open files are read from /proc/<pid>/status and /proc/<pid>/fd of each BFF process; the BFFs expose no debug endpoint.",
		"Orders pick a random SKU that had seeded stock, so some run out during the run and answer 409 insufficient stock: that is the stock check working, not an error.")
	res.Duration = time.Since(start)
	slices.Sort(res.Problems)
	if err := write(o.out, res); err != nil {
		return nil, err
	}
	return res, nil
}

func sample(d *driver, start time.Time) (ledger.Sample, bool) {
	st, err := proc.ReadStats(d.bff.Proc.PID())
	if err != nil {
		return ledger.Sample{}, false
	}
	return ledger.Sample{AtSeconds: time.Since(start).Seconds(), RSSKiB: st.RSSKiB, Threads: st.Threads, FDs: st.OpenFDs}, true
}

func exec(ctx context.Context, bin string, args ...string) (string, error) {
	p, err := proc.Start(filepath.Base(bin), bin, args, []string{"AWS_REGION=us-east-1"})
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(3 * time.Minute)
	for !p.Exited() {
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.Stop()
			return p.Output(), fmt.Errorf("%s did not finish", bin)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.Output(), "seeded") {
		return p.Output(), fmt.Errorf("%s failed", bin)
	}
	return p.Output(), nil
}

func machine() map[string]string {
	m := map[string]string{"nproc": fmt.Sprint(numCPU())}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func write(dir string, r *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "soak-latest.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "soak-latest.md"), []byte(markdown(r)), 0o644)
}
