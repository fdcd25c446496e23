package tfcheck

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// terraformRoot is terraform/ (this package lives in terraform/deploy/tfcheck).
const terraformRoot = "../.."

// Environment variables the Lambda runtime sets itself (reserved; Terraform may not set them).
var lambdaRuntimeVars = map[string]bool{
	"AWS_REGION": true, "AWS_DEFAULT_REGION": true, "AWS_LAMBDA_RUNTIME_API": true,
	"AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true, "AWS_EXECUTION_ENV": true,
}

// Variables the Lambdas deliberately leave to their Go default, with the reason. An entry that no
// BFF config reads any more fails the test, so this list cannot go stale.
var defaultOnLambda = map[string]string{
	"BFF_GATEWAY_MARGIN":                "tuning knob; the default fits API Gateway",
	"BFF_LAMBDA_MARGIN":                 "tuning knob; the default fits Lambda",
	"BFF_MAX_BODY_BYTES":                "the 1 MiB default is below API Gateway's payload limit",
	"BFF_SHUTDOWN_TIMEOUT":              "only used by the local http.Server",
	"BFF_AUTH_LEEWAY":                   "the default clock skew is what we want",
	"BFF_COGNITO_JWKS_REFETCH_INTERVAL": "the default penalty window is what we want",
	"BFF_TOKEN_CACHE_SIZE":              "the default bound of the verified-token cache fits 512 MB",
	"BFF_SEARCH_CACHE_TTL":              "tuning knob of the catalog search cache",
	"BFF_IDEMPOTENCY_TTL":               "the 24 h default is the documented Idempotency-Key lifetime",
	"BFF_MOBILE_CATALOG_MAX_AGE":        "HTTP caching knob",
	"BFF_MOBILE_FEED_PART_TIMEOUT":      "tuning knob under the request budget",
	"BFF_MOBILE_GZIP_MIN_BYTES":         "tuning knob",
	"BFF_PARTNER_RATE_LIMIT":            "the in-BFF limiter stays on (usage plans limit across instances)",
	"BFF_SESSION_TTL":                   "session lifetime default",
	"BFF_SESSION_REFRESH_MARGIN":        "token refresh margin default",
	"BFF_SESSION_REVALIDATE":            "session revalidation interval default",
	"BFF_WEB_CATALOG_MAX_AGE":           "HTTP caching knob",
	"BFF_WEB_CATALOG_SMAXAGE":           "HTTP caching knob",
	"BFF_WEB_OPTIONAL_TIMEOUT":          "tuning knob under the request budget",
	"BFF_WEB_CATALOG_MEMO":              "tuning knob",
	"BFF_TRACE_SAMPLE_RATIO":            "spans feed log correlation; sample everything",
	"BFF_POPULAR_WINDOW":                "the 24 h \"Popular now\" window default",
	"BFF_POPULAR_CACHE_TTL":             "tuning knob of the popularity cache",
}

// Variables no Lambda sets, with the reason (add them with extra_environment when needed).
var unsetEverywhere = map[string]string{
	"OTEL_EXPORTER_OTLP_ENDPOINT":        "no OTLP collector is deployed",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "no OTLP collector is deployed",
}

// Variables a particular BFF's Lambda deliberately leaves unset, with the reason.
var unsetFor = map[string]map[string]string{
	"web": {
		"BFF_COOKIE_DOMAIN": "host-only cookies (recommended in the BFF config)",
	},
	"mobile": {
		"BFF_CORS_ORIGINS": "native apps make no CORS requests",
	},
	"partner": {
		"BFF_CORS_ORIGINS":       "partners call server to server",
		"BFF_COGNITO_CLIENT_IDS": "the partner registry table (BFF_TABLE_PARTNERS) is the allow-list, read at run time",
		"BFF_PARTNER_REGISTRY":   "static registries are for the embedded backend; on AWS the registry is BFF_TABLE_PARTNERS",
	},
}

// Variables that exist for local runs only and must never be set on a Lambda.
var localOnly = map[string]string{
	"BFF_COGNITO_JWKS":          "inline JWKS for tests; Lambdas fetch the pool's JWKS URL",
	"BFF_COGNITO_JWKS_FILE":     "JWKS file for tests",
	"BFF_COGNITO_ENDPOINT":      "cognito-local endpoint",
	"BFF_ADDR":                  "listen address of the local http.Server",
	"BFF_DYNAMODB_ENDPOINT":     "DynamoDB Local endpoint",
	"BFF_FAULTS":                "fault injection of the embedded backend (tests, demos)",
	"BFF_PARTNER_REGISTRY_FILE": "file form of the registry; Lambdas get BFF_PARTNER_REGISTRY inline",
}

func isLocalOnly(name string) bool {
	_, ok := localOnly[name]
	return ok || strings.HasPrefix(name, "BFF_LOCAL_")
}

func loadSuite(t *testing.T) *Suite {
	t.Helper()
	s, err := LoadSuite(terraformRoot)
	if err != nil {
		t.Fatalf("LoadSuite(%s): %v", terraformRoot, err)
	}
	return s
}

func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// EnvProblems compares what a BFF's config reads with what its Lambda sets.
func envProblems(bff string, reads []string, defaults map[string]bool, sets, secrets []string, complete bool) []string {
	set := map[string]bool{}
	for _, n := range sets {
		set[n] = true
	}
	secret := map[string]bool{}
	for _, n := range secrets {
		secret[n] = true
	}
	read := map[string]bool{}
	var problems []string
	for _, name := range reads {
		read[name] = true
		switch {
		case secret[name]:
			if set[name] {
				problems = append(problems, bff+": secret "+name+" is in the plain Lambda environment; it must come from SSM")
			}
		case isLocalOnly(name):
			if set[name] {
				problems = append(problems, bff+": local-only "+name+" is set on the Lambda")
			}
		case set[name], lambdaRuntimeVars[name]:
		case unsetFor[bff][name] != "" || unsetEverywhere[name] != "":
			if set[name] {
				problems = append(problems, bff+": "+name+" is set although it should stay unset: "+unsetFor[bff][name]+unsetEverywhere[name])
			}
		case defaults[name]:
			if _, ok := defaultOnLambda[name]; !ok {
				problems = append(problems, bff+": config reads "+name+" but the Lambda does not set it (set it, or list it in defaultOnLambda with a reason)")
			}
		default:
			problems = append(problems, bff+": config reads "+name+" but the Lambda does not set it")
		}
	}
	for _, name := range secrets {
		if !read[name] && complete {
			problems = append(problems, bff+": SSM secret "+name+" is not read by the config")
		}
	}
	if complete {
		for _, name := range sets {
			if !read[name] && name != "BFF_SECRETS_SSM_PREFIX" {
				problems = append(problems, bff+": Lambda sets "+name+" but the config does not read it")
			}
		}
	}
	sort.Strings(problems)
	return problems
}

func TestLambdaEnvironmentCoversConfig(t *testing.T) {
	s := loadSuite(t)
	env, err := s.Environment()
	if err != nil {
		t.Fatalf("Environment(): %v", err)
	}
	secrets, err := s.SecretEnvironment()
	if err != nil {
		t.Fatalf("SecretEnvironment(): %v", err)
	}
	sources, complete := configSources(t)
	if got, want := sortedKeys(env), sortedKeys(sources); !slices.Equal(got, want) {
		t.Fatalf("Environment() BFFs = %v, want %v", got, want)
	}
	readAnywhere := map[string]bool{}
	for bff, vars := range sources {
		t.Run(bff, func(t *testing.T) {
			var reads []string
			defaults := map[string]bool{}
			for _, v := range vars {
				reads = append(reads, v.Name)
				readAnywhere[v.Name] = true
				if v.Default != "" && !v.Required {
					defaults[v.Name] = true
				}
			}
			for _, p := range envProblems(bff, reads, defaults, env[bff], secrets[bff], complete) {
				t.Error(p)
			}
			if !slices.Contains(env[bff], "BFF_SECRETS_SSM_PREFIX") && len(secrets[bff]) > 0 {
				t.Errorf("%s: has SSM secrets %v but no BFF_SECRETS_SSM_PREFIX", bff, secrets[bff])
			}
		})
	}
	for name, why := range defaultOnLambda {
		if !readAnywhere[name] {
			t.Errorf("defaultOnLambda lists %s (%s) but no BFF config reads it", name, why)
		}
	}
	if !complete {
		t.Log("configSources is the interim shared-struct stand-in: wire the BFF app.Config types (see sources_test.go)")
	}
}

// The Lambdas get their secrets as SSM parameter names under BFF_SECRETS_SSM_PREFIX (see
// terraform/README.md); a BFF config must resolve them from there.
func TestSecretsResolvedFromSSM(t *testing.T) {
	s := loadSuite(t)
	secrets, err := s.SecretEnvironment()
	if err != nil {
		t.Fatalf("SecretEnvironment(): %v", err)
	}
	sources, complete := configSources(t)
	if !complete {
		t.Skip("configSources is the interim stand-in")
	}
	for bff, names := range secrets {
		if len(names) == 0 {
			continue
		}
		reads := false
		for _, v := range sources[bff] {
			if v.Name == "BFF_SECRETS_SSM_PREFIX" {
				reads = true
			}
		}
		if !reads {
			skipOrFail(t, bff+": the Lambda gets secrets "+strings.Join(names, ", ")+
				" from SSM under BFF_SECRETS_SSM_PREFIX, but the BFF config does not read BFF_SECRETS_SSM_PREFIX (implement the SSM secret loader)")
		}
	}
}

func TestEnvProblems(t *testing.T) {
	tests := []struct {
		name     string
		reads    []string
		defaults []string
		sets     []string
		secrets  []string
		complete bool
		want     int
	}{
		{name: "all set", reads: []string{"BFF_A", "AWS_REGION"}, sets: []string{"BFF_A"}, want: 0},
		{name: "missing", reads: []string{"BFF_A", "BFF_B"}, sets: []string{"BFF_A"}, want: 1},
		{name: "default not exempted", reads: []string{"BFF_X"}, defaults: []string{"BFF_X"}, want: 1},
		{name: "default exempted", reads: []string{"BFF_AUTH_LEEWAY"}, defaults: []string{"BFF_AUTH_LEEWAY"}, want: 0},
		{name: "secret in plain env", reads: []string{"BFF_CURSOR_KEY"}, sets: []string{"BFF_CURSOR_KEY"}, secrets: []string{"BFF_CURSOR_KEY"}, want: 1},
		{name: "secret from ssm", reads: []string{"BFF_CURSOR_KEY"}, secrets: []string{"BFF_CURSOR_KEY"}, want: 0},
		{name: "local only set", reads: []string{"BFF_LOCAL_IDP_KEY_FILE"}, sets: []string{"BFF_LOCAL_IDP_KEY_FILE"}, want: 1},
		{name: "unread var complete", reads: []string{"BFF_A"}, sets: []string{"BFF_A", "BFF_TYPO"}, complete: true, want: 1},
		{name: "unread var interim", reads: []string{"BFF_A"}, sets: []string{"BFF_A", "BFF_TYPO"}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defaults := map[string]bool{}
			for _, d := range tt.defaults {
				defaults[d] = true
			}
			got := envProblems("web", tt.reads, defaults, tt.sets, tt.secrets, tt.complete)
			if len(got) != tt.want {
				t.Errorf("envProblems(%v, sets %v) = %q, want %d problem(s)", tt.reads, tt.sets, got, tt.want)
			}
		})
	}
}

func TestEnvironmentKeysFollowMergeAndLocals(t *testing.T) {
	s, err := LoadSuite(filepath.Join("testdata", "envsuite"))
	if err != nil {
		t.Fatalf("LoadSuite(testdata/envsuite): %v", err)
	}
	env, err := s.Environment()
	if err != nil {
		t.Fatalf("Environment(): %v", err)
	}
	want := map[string][]string{
		"web":    {"BFF_COMMON", "BFF_OVERRIDE", "BFF_WEB_ONLY"},
		"mobile": {"BFF_COMMON", "BFF_MOBILE_ONLY", "BFF_OVERRIDE"},
	}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("Environment() = %v, want %v", env, want)
	}
}

func TestTablesMatchGo(t *testing.T) {
	s := loadSuite(t)
	tf, err := s.Tables()
	if err != nil {
		t.Fatalf("Tables(): %v", err)
	}
	goDefs, ok := goTables(t)
	if !ok {
		skipOrFail(t, "Go table definitions (shared/store/dynamo) are not wired into goTables yet; see sources_test.go")
	}
	for name := range tf {
		_, inGo := goDefs[name]
		why, pending := tablesWithoutGoDeclaration[name]
		switch {
		case inGo && pending:
			t.Errorf("table %s is declared in Go now: remove it from tablesWithoutGoDeclaration (%s)", name, why)
		case !inGo && !pending:
			t.Errorf("Terraform table %s has no Go declaration", name)
		}
	}
	for name, want := range goDefs {
		t.Run(name, func(t *testing.T) {
			got, ok := tf[name]
			if !ok {
				t.Fatalf("Go table %s is missing in Terraform (terraform/modules/suite/tables.tf)", name)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Terraform table %s = %+v, want %+v (Go definition)", name, got, want)
			}
		})
	}
}

func TestTablesParse(t *testing.T) {
	s := loadSuite(t)
	tf, err := s.Tables()
	if err != nil {
		t.Fatalf("Tables(): %v", err)
	}
	for _, name := range []string{"idempotency"} {
		if got := tf[name].TTLAttribute; got != "expires_at" {
			t.Errorf("Tables()[%s].TTLAttribute = %q, want expires_at", name, got)
		}
	}
	for name, table := range tf {
		keys := []string{table.HashKey, table.RangeKey}
		for _, idx := range table.Indexes {
			keys = append(keys, idx.HashKey, idx.RangeKey)
		}
		for _, k := range keys {
			if _, ok := table.Attributes[k]; k != "" && !ok {
				t.Errorf("Tables()[%s]: key %s is not in attributes %v", name, k, table.Attributes)
			}
		}
	}
}

func TestMobileAuthorizerAudienceIsMobileClient(t *testing.T) {
	s := loadSuite(t)
	aud, err := s.MobileAudience()
	if err != nil {
		t.Fatalf("MobileAudience(): %v", err)
	}
	if want := []string{"aws_cognito_user_pool_client.mobile.id"}; !slices.Equal(aud, want) {
		t.Errorf("MobileAudience() = %v, want %v", aud, want)
	}
	secret, err := ResourceAttr(s.Cognito, "aws_cognito_user_pool_client", "mobile", "generate_secret")
	if err != nil {
		t.Fatalf("ResourceAttr(mobile, generate_secret): %v", err)
	}
	if !secret.RawEquals(cty.False) {
		t.Errorf("aws_cognito_user_pool_client.mobile.generate_secret = %#v, want false (public client)", secret)
	}
}

func TestNoWildcardIAM(t *testing.T) {
	mods := allModules(t, terraformRoot)
	if len(mods) < 5 {
		t.Fatalf("allModules(%s) found %d directories, want the env roots and modules", terraformRoot, len(mods))
	}
	for _, f := range WildcardActions(mods...) {
		t.Errorf("WildcardActions: %s", f)
	}
	for _, f := range WildcardResources(mods...) {
		t.Errorf("WildcardResources: %s", f)
	}
}

func TestWildcardChecksFindProblems(t *testing.T) {
	m, err := LoadModule(filepath.Join("testdata", "wildcards"))
	if err != nil {
		t.Fatalf("LoadModule(testdata/wildcards): %v", err)
	}
	if got := WildcardActions(m); len(got) != 3 {
		t.Errorf("WildcardActions(testdata/wildcards) = %v, want 3 findings", got)
	}
	if got := WildcardResources(m); len(got) != 1 {
		t.Errorf("WildcardResources(testdata/wildcards) = %v, want 1 finding", got)
	}
}

func allModules(t *testing.T, root string) []*Module {
	t.Helper()
	dirs := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "deploy" || d.Name() == ".terraform") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".tf") {
			dirs[filepath.Dir(p)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	var mods []*Module
	for _, d := range sortedKeys(dirs) {
		m, err := LoadModule(d)
		if err != nil {
			t.Fatalf("LoadModule(%s): %v", d, err)
		}
		mods = append(mods, m)
	}
	return mods
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
