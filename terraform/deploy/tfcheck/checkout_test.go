package tfcheck

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/store/dynamo"
)

// The checkout saga (issue 19): terraform/modules/checkout deploys the repository's one
// definition with every Task state running the checkout-tasks function, and only the BFFs that
// place orders may start it.

func loadCheckoutModule(t *testing.T) *Module {
	t.Helper()
	m, err := LoadModule(filepath.Join(terraformRoot, "modules", "checkout"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// taskResources returns the Resource of every Task state of an ASL definition, nested states
// (Parallel branches, Map iterators) included, by state name.
func taskResources(t *testing.T, def []byte) map[string]string {
	t.Helper()
	type machine struct {
		States map[string]json.RawMessage `json:"States"`
	}
	out := map[string]string{}
	var walk func(m machine)
	walk = func(m machine) {
		for name, raw := range m.States {
			var s struct {
				Type          string    `json:"Type"`
				Resource      string    `json:"Resource"`
				Branches      []machine `json:"Branches"`
				Iterator      *machine  `json:"Iterator"`
				ItemProcessor *machine  `json:"ItemProcessor"`
			}
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatalf("state %s: %v", name, err)
			}
			if s.Type == "Task" {
				out[name] = s.Resource
			}
			for _, b := range s.Branches {
				walk(b)
			}
			for _, sub := range []*machine{s.Iterator, s.ItemProcessor} {
				if sub != nil {
					walk(*sub)
				}
			}
		}
	}
	var m machine
	if err := json.Unmarshal(def, &m); err != nil {
		t.Fatalf("definition: %v", err)
	}
	walk(m)
	return out
}

// TestCheckoutStateMachine: the module deploys the definition the Go runners embed, and every
// Task state of it ends up running the checkout-tasks function, which is what the state
// machine's role may invoke, and nothing else.
func TestCheckoutStateMachine(t *testing.T) {
	m := loadCheckoutModule(t)

	// One definition: the module's file is the embedded one (a link to it).
	link := filepath.Join(m.Dir, "definition.asl.json")
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s: want a symbolic link to shared/checkout/definition.asl.json (one definition), got %v, %v", link, fi, err)
	}
	def, err := os.ReadFile(link)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(def, checkout.Definition) {
		t.Errorf("%s differs from the definition the Go runners embed (checkout.Definition)", link)
	}

	// Every Task state names the placeholder the module replaces.
	placeholder, err := VariableDefault(m, "task_resource_placeholder")
	if err != nil {
		t.Fatal(err)
	}
	if got := placeholder.AsString(); got != checkout.ResourcePlaceholder {
		t.Errorf("variable task_resource_placeholder default = %q, want checkout.ResourcePlaceholder %q", got, checkout.ResourcePlaceholder)
	}
	tasks := taskResources(t, def)
	if len(tasks) == 0 {
		t.Fatal("the checkout definition has no Task state")
	}
	for name, res := range tasks {
		if res != checkout.ResourcePlaceholder {
			t.Errorf("Task state %s: Resource %q, want %q (replaced by the checkout-tasks ARN)", name, res, checkout.ResourcePlaceholder)
		}
	}

	// The deployed definition is the file with the placeholder replaced by the task function's ARN.
	sm, err := m.Block("resource", "aws_sfn_state_machine", "checkout")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := Attr(sm, "definition"); err != nil || mustTraversal(e) != "local.definition" {
		t.Errorf("aws_sfn_state_machine.checkout definition = %s, want local.definition", exprText(t, m, e))
	}
	defExpr, ok := m.Local("definition")
	call, isCall := defExpr.(*hclsyntax.FunctionCallExpr)
	if !ok || !isCall || call.Name != "replace" || len(call.Args) != 3 ||
		mustTraversal(call.Args[0]) != "local.source_definition" ||
		mustTraversal(call.Args[1]) != "var.task_resource_placeholder" ||
		mustTraversal(call.Args[2]) != "module.tasks.function_arn" {
		t.Errorf("local.definition = %s, want replace(local.source_definition, var.task_resource_placeholder, module.tasks.function_arn)", exprText(t, m, defExpr))
	}
	src, ok := m.Local("source_definition")
	if lits := StringLiterals(src); !ok || !slices.ContainsFunc(lits, func(s string) bool { return strings.HasSuffix(s, "/definition.asl.json") }) {
		t.Errorf("local.source_definition = %s, want file(\"${path.module}/definition.asl.json\")", exprText(t, m, src))
	}

	// module.tasks is the checkout-tasks function.
	tb, err := m.Block("module", "tasks")
	if err != nil {
		t.Fatal(err)
	}
	if lits := StringLiterals(tb.Body.Attributes["source"].Expr); !slices.Equal(lits, []string{"../bff_lambda"}) {
		t.Errorf("module tasks source = %v, want ../bff_lambda", lits)
	}
	if lits := StringLiterals(tb.Body.Attributes["function_name"].Expr); !slices.Contains(lits, "-checkout-tasks") {
		t.Errorf("module tasks function_name literals = %v, want <prefix>-checkout-tasks", lits)
	}
	if lits := StringLiterals(tb.Body.Attributes["zip_path"].Expr); len(lits) != 0 {
		t.Errorf("module tasks zip_path has literals %v, want var.zip_path", lits)
	}

	// The state machine's role invokes that function and nothing else.
	doc, err := m.Block("data", "aws_iam_policy_document", "state_machine")
	if err != nil {
		t.Fatal(err)
	}
	invokes := 0
	for _, st := range doc.Body.Blocks {
		if st.Type != "statement" {
			continue
		}
		actions := StringLiterals(st.Body.Attributes["actions"].Expr)
		for _, a := range actions {
			if strings.HasPrefix(a, "lambda:") || strings.HasPrefix(a, "states:") || strings.HasPrefix(a, "iam:") {
				invokes++
				if a != "lambda:InvokeFunction" {
					t.Errorf("state machine role: action %s, want lambda:InvokeFunction only", a)
				}
				res := st.Body.Attributes["resources"].Expr
				tup, ok := res.(*hclsyntax.TupleConsExpr)
				if !ok || len(tup.Exprs) != 1 || mustTraversal(tup.Exprs[0]) != "module.tasks.function_arn" {
					t.Errorf("state machine role: %s on %s, want [module.tasks.function_arn]", a, exprText(t, m, res))
				}
			}
		}
	}
	if invokes != 1 {
		t.Errorf("state machine role: %d lambda/states/iam actions, want exactly lambda:InvokeFunction", invokes)
	}
}

// ordersBFFs returns the BFFs whose OpenAPI document has a POST on an .../orders collection:
// the ones that place orders and so start checkouts.
func ordersBFFs(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(terraformRoot, "..", "bff-*", "app", "openapi.json"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no OpenAPI documents: %v", err)
	}
	var out []string
	for _, p := range docs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for path, ops := range doc.Paths {
			if _, post := ops["post"]; post && strings.HasSuffix(path, "/orders") {
				bff := strings.TrimPrefix(filepath.Base(filepath.Dir(filepath.Dir(p))), "bff-")
				out = append(out, bff)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestCheckoutStartExecution: states:StartExecution appears once in terraform/, for the
// checkout machine's ARN, granted to exactly the BFFs that place orders, which also get the
// machine's ARN and BFF_CHECKOUT=stepfunctions.
func TestCheckoutStartExecution(t *testing.T) {
	s := loadSuite(t)
	want := ordersBFFs(t)
	if len(want) == 0 {
		t.Fatal("no BFF places orders according to its OpenAPI document")
	}

	// Nowhere else: every statement with a states: action in any module.
	dirs, _ := filepath.Glob(filepath.Join(terraformRoot, "modules", "*"))
	for _, d := range dirs {
		m, err := LoadModule(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range m.Bodies {
			_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hclDiags {
				a, ok := n.(*hclsyntax.Attribute)
				if !ok {
					return nil
				}
				for _, lit := range StringLiterals(a.Expr) {
					if strings.HasPrefix(lit, "states:") && (filepath.Base(d) != "suite" || lit != "states:StartExecution") {
						t.Errorf("%s: IAM action %s outside the suite's checkout grant", a.SrcRange, lit)
					}
				}
				return nil
			})
		}
	}

	// The grant: local.checkout_policy_statements, for local.checkout_bffs, on the machine only.
	bffsExpr, ok := s.Suite.Local("checkout_bffs")
	if !ok {
		t.Fatal("suite: no local.checkout_bffs")
	}
	got := StringLiterals(bffsExpr)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("local.checkout_bffs = %v, want the BFFs that place orders %v", got, want)
	}
	stmts, ok := s.Suite.Local("checkout_policy_statements")
	if !ok {
		t.Fatal("suite: no local.checkout_policy_statements")
	}
	forExpr, ok := stmts.(*hclsyntax.ForExpr)
	if !ok || mustTraversal(forExpr.CollExpr) != "local.checkout_bffs" {
		t.Fatalf("local.checkout_policy_statements = %s, want a for over local.checkout_bffs", exprText(t, s.Suite, stmts))
	}
	if lits := StringLiterals(forExpr.ValExpr); !slices.Equal(lits, []string{"CheckoutStartExecution", "states:StartExecution"}) {
		t.Errorf("checkout statement literals = %v, want sid CheckoutStartExecution and action states:StartExecution only", lits)
	}
	var resources []string
	_ = hclsyntax.VisitAll(forExpr.ValExpr, func(n hclsyntax.Node) hclDiags {
		obj, ok := n.(*hclsyntax.ObjectConsExpr)
		if !ok {
			return nil
		}
		for _, item := range obj.Items {
			if k, _ := objectKey(item.KeyExpr); k == "resources" {
				if tup, ok := item.ValueExpr.(*hclsyntax.TupleConsExpr); ok {
					for _, e := range tup.Exprs {
						resources = append(resources, mustTraversal(e))
					}
				} else {
					resources = append(resources, "<not a list>")
				}
			}
		}
		return nil
	})
	if !slices.Equal(resources, []string{"module.checkout.state_machine_arn"}) {
		t.Errorf("checkout statement resources = %v, want [module.checkout.state_machine_arn]", resources)
	}
	call, err := s.Suite.Block("module", "lambda")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := Attr(call, "extra_policy_statements"); err != nil || !strings.Contains(exprText(t, s.Suite, e), "local.checkout_policy_statements") {
		t.Errorf(`module "lambda" extra_policy_statements = %s, want lookup(local.checkout_policy_statements, each.key, [])`, exprText(t, s.Suite, e))
	}

	// The environment of exactly those BFFs: BFF_CHECKOUT=stepfunctions and the machine's ARN.
	env, err := s.Environment()
	if err != nil {
		t.Fatal(err)
	}
	for bff, vars := range env {
		has := slices.Contains(vars, "BFF_CHECKOUT") && slices.Contains(vars, "BFF_CHECKOUT_STATE_MACHINE_ARN")
		if has != slices.Contains(want, bff) {
			t.Errorf("%s: sets BFF_CHECKOUT and its ARN = %v, want %v (places orders: %v)", bff, has, !has, slices.Contains(want, bff))
		}
		if !has {
			continue
		}
		if e, err := s.EnvironmentValue(bff, "BFF_CHECKOUT"); err != nil || !slices.Equal(StringLiterals(e), []string{"stepfunctions"}) {
			t.Errorf("%s: BFF_CHECKOUT = %s, want \"stepfunctions\"", bff, exprText(t, s.Suite, e))
		}
		if e, err := s.EnvironmentValue(bff, "BFF_CHECKOUT_STATE_MACHINE_ARN"); err != nil || mustTraversal(e) != "module.checkout.state_machine_arn" {
			t.Errorf("%s: BFF_CHECKOUT_STATE_MACHINE_ARN = %s, want module.checkout.state_machine_arn", bff, exprText(t, s.Suite, e))
		}
	}
}

func mustTraversal(e hclsyntax.Expression) string {
	if e == nil {
		return ""
	}
	r, _ := Traversal(e)
	return r
}

// exprText returns the source text of e (for messages).
func exprText(t *testing.T, m *Module, e hclsyntax.Expression) string {
	t.Helper()
	if e == nil {
		return "<missing>"
	}
	r := e.Range()
	b, err := os.ReadFile(r.Filename)
	if err != nil || r.End.Byte > len(b) {
		return r.String()
	}
	return string(b[r.Start.Byte:r.End.Byte])
}

// TestCheckoutLedgerTable: the payments ledger the checkout module creates is the table the Go
// ledger declares (dynamo.LedgerTable: not in Schema, the checkout feature owns it).
func TestCheckoutLedgerTable(t *testing.T) {
	m := loadCheckoutModule(t)
	b, err := m.Block("module", "ledger")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Attr(b, "tables")
	if err != nil {
		t.Fatal(err)
	}
	v, diags := e.Value(nil)
	if diags.HasErrors() {
		t.Fatalf("module ledger tables must be a literal: %v", diags)
	}
	want := dynamo.LedgerTable()
	tables := v.AsValueMap()
	tv, ok := tables[want.Logical]
	if !ok || len(tables) != 1 {
		t.Fatalf("module ledger tables = %v, want exactly %q", v.GoString(), want.Logical)
	}
	attrs := map[string]string{}
	for k, ty := range attr(tv, "attributes").AsValueMap() {
		attrs[k] = ty.AsString()
	}
	if got := str(tv, "hash_key"); got != want.Hash.Name || str(tv, "range_key") != "" || len(attrs) != 1 || attrs[want.Hash.Name] != want.Hash.Type {
		t.Errorf("ledger table: hash %q range %q attributes %v, want hash %s (%s) only, as dynamo.LedgerTable()", got, str(tv, "range_key"), attrs, want.Hash.Name, want.Hash.Type)
	}
	if want.Range != nil || len(want.Indexes) > 0 || want.TTLAttribute != "" {
		t.Errorf("dynamo.LedgerTable() grew a range key, index or TTL: teach this test and the module")
	}
}
