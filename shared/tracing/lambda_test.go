package tracing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/tracing"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/gin-gonic/gin"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestMain(m *testing.M) {
	code := testenv.RunWithDynamoDB(m)
	for _, f := range cleanups {
		f()
	}
	os.Exit(code)
}

var httpCfg = server.Config{RequestBudget: 5e9, GatewayTimeout: 29e9, GatewayMargin: 1e9, LambdaMargin: 5e8, MaxBodyBytes: 1 << 20, StripStage: true}

// lambdaApp is a BFF-shaped engine whose product route fans out to two DynamoDB reads (one
// required, one optional part), served through LambdaHandler wrapped by WrapLambda.
type lambdaApp struct {
	handler interface {
		Invoke(context.Context, []byte) ([]byte, error)
	}
	spans    *tracetest.InMemoryExporter
	logs     *bytes.Buffer
	emf      *bytes.Buffer
	provider *tracing.Provider
}

func newLambdaApp(t *testing.T) *lambdaApp {
	t.Helper()
	ddb := testenv.DynamoDB(t)
	ctx := context.Background()
	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	db := dynamo.NewClient(awsCfg, ddb.Endpoint)
	table := testenv.DynamoDBTablePrefix(t) + "products"
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatalf("CreateTable(%s): %v", table, err)
	}
	for _, id := range []string{"p-1", "p-2"} {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: id}, "name": &types.AttributeValueMemberS{Value: "Product " + id},
		}}); err != nil {
			t.Fatalf("PutItem(%s): %v", id, err)
		}
	}
	exp := tracetest.NewInMemoryExporter()
	tp, err := tracing.Setup(ctx, "bff-web", tracing.Config{SampleRatio: 1}, tracing.WithSyncer(exp))
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	app := &lambdaApp{spans: exp, logs: &bytes.Buffer{}, emf: &bytes.Buffer{}, provider: tp}
	logger := logging.New(app.logs, logging.Options{Service: "bff-web", ClientKind: "web"})
	r := server.NewEngine(server.EngineOptions{Config: httpCfg, Logger: logger, Service: "bff-web", Tracing: tp,
		Metrics: metrics.Config{Mode: "emf", Namespace: "BFFSuiteTest"}, MetricsOut: app.emf})
	getFrom := func(ctx context.Context, table, id string) error {
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}}})
		return err
	}
	get := func(ctx context.Context, id string) error { return getFrom(ctx, table, id) }
	r.GET("/products/:id", func(c *gin.Context) {
		res, err := aggregate.Run(c.Request.Context(),
			aggregate.Required("product", func(ctx context.Context) error { return get(ctx, c.Param("id")) }),
			aggregate.Optional("related", func(ctx context.Context) error { return get(ctx, "p-2") }),
		)
		if err != nil {
			problem.Abort(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"id": c.Param("id"), "partial": res.FailedNames()})
	})
	r.GET("/broken", func(c *gin.Context) {
		// a read of a table that does not exist: an SDK error span, then a 500 problem
		if err := getFrom(c.Request.Context(), table+"-missing", "p-1"); err != nil {
			problem.Abort(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	})
	app.handler = tracing.WrapLambda(server.NewLambdaHandler(r, httpCfg, slog.New(slog.NewJSONHandler(io.Discard, nil))), tp)
	return app
}

func loadEvent(t testing.TB, path string, headers map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "events", "apigw-v2-request-no-authorizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	h := map[string]any{"accept": "application/json", "host": "api.example.com"}
	for k, v := range headers {
		h[k] = v
	}
	ev["headers"], ev["rawPath"], ev["rawQueryString"], ev["cookies"] = h, path, "", nil
	rc := ev["requestContext"].(map[string]any)
	rc["http"].(map[string]any)["path"] = path
	rc["http"].(map[string]any)["method"] = "GET"
	rc["stage"] = "$default"
	b, _ := json.Marshal(ev)
	return b
}

type v2Response struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// jsonLines decodes every JSON object line of s.
func jsonLines(s string) []map[string]any {
	var out []map[string]any
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func findSpans(spans tracetest.SpanStubs, name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func attr(s tracetest.SpanStub, key string) string {
	for _, a := range s.Attributes {
		if string(a.Key) == key {
			return a.Value.String()
		}
	}
	return ""
}

func TestLambdaInvokeSpans(t *testing.T) {
	app := newLambdaApp(t)
	const (
		xrayRoot   = "1-5e9f0c65-1de4d666d4dd26aced652b6c"
		xrayParent = "53995c3f42cd8ad8"
		w3cTrace   = "4bf92f3577b34da6a3ce929d0e0e4736"
		w3cParent  = "00f067aa0ba902b7"
		lambdaRoot = "1-67891233-abcdef012345678912345678"
		lambdaPar  = "463ac35c9f6413ad"
	)
	tests := []struct {
		name       string
		headers    map[string]string
		lambdaEnv  string // _X_AMZN_TRACE_ID as aws-lambda-go sets it per invocation
		wantTrace  string // X-Ray form; "" means a new trace
		wantParent string
	}{
		{name: "X-Amzn-Trace-Id header", headers: map[string]string{"x-amzn-trace-id": "Root=" + xrayRoot + ";Parent=" + xrayParent + ";Sampled=1"},
			wantTrace: xrayRoot, wantParent: xrayParent},
		{name: "traceparent header", headers: map[string]string{"traceparent": "00-" + w3cTrace + "-" + w3cParent + "-01"},
			wantTrace: "1-" + w3cTrace[:8] + "-" + w3cTrace[8:], wantParent: w3cParent},
		{name: "Lambda trace header wins over the event's", lambdaEnv: "Root=" + lambdaRoot + ";Parent=" + lambdaPar + ";Sampled=1",
			headers:   map[string]string{"x-amzn-trace-id": "Root=" + xrayRoot + ";Parent=" + xrayParent + ";Sampled=1"},
			wantTrace: lambdaRoot, wantParent: lambdaPar},
		{name: "no header starts a new trace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("_X_AMZN_TRACE_ID", tt.lambdaEnv)
			app.spans.Reset()
			app.logs.Reset()
			app.emf.Reset()
			out, err := app.handler.Invoke(context.Background(), loadEvent(t, "/products/p-1", tt.headers))
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			var resp v2Response
			if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode != 200 {
				t.Fatalf("Invoke = %s (%v), want a 200 response", out, err)
			}
			gotTrace := header(resp.Headers, tracing.HeaderTraceID)
			if tt.wantTrace != "" && gotTrace != tt.wantTrace {
				t.Errorf("response %s = %q, want %q", tracing.HeaderTraceID, gotTrace, tt.wantTrace)
			}
			if len(gotTrace) != 35 {
				t.Fatalf("response %s = %q, want an X-Ray trace ID", tracing.HeaderTraceID, gotTrace)
			}
			spans := app.spans.GetSpans()
			srv := findSpans(spans, "GET /products/:id")
			if len(srv) != 1 {
				t.Fatalf("server spans = %d of %d spans, want 1", len(srv), len(spans))
			}
			s := srv[0]
			if got := logging.XRayTraceID(s.SpanContext.TraceID()); got != gotTrace {
				t.Errorf("server span trace = %s, want %s (the response's)", got, gotTrace)
			}
			switch {
			case tt.wantParent != "" && s.Parent.SpanID().String() != tt.wantParent:
				t.Errorf("server span parent = %s, want %s", s.Parent.SpanID(), tt.wantParent)
			case tt.wantParent == "" && s.Parent.IsValid():
				t.Errorf("server span parent = %s, want none", s.Parent.SpanID())
			}
			if s.SpanKind != trace.SpanKindServer || attr(s, "http.route") != "/products/:id" || attr(s, "bff.client_kind") != "web" || attr(s, "http.response.status_code") != "200" {
				t.Errorf("server span = kind %v attrs %v, want server span with route, client kind, status 200", s.SpanKind, s.Attributes)
			}
			for _, part := range []string{"product", "related"} {
				ps := findSpans(spans, "part "+part)
				if len(ps) != 1 || ps[0].Parent.SpanID() != s.SpanContext.SpanID() {
					t.Fatalf("span %q = %d spans, want 1 child of the server span", "part "+part, len(ps))
				}
				var calls []tracetest.SpanStub
				for _, c := range findSpans(spans, "DynamoDB.GetItem") {
					if c.Parent.SpanID() == ps[0].SpanContext.SpanID() {
						calls = append(calls, c)
					}
				}
				if len(calls) != 1 || calls[0].SpanKind != trace.SpanKindClient || attr(calls[0], "rpc.method") != "GetItem" {
					t.Errorf("DynamoDB.GetItem spans under part %s = %d, want 1 client span", part, len(calls))
				}
			}
			if n := len(findSpans(spans, "DynamoDB.GetItem")); n != 2 {
				t.Errorf("DynamoDB.GetItem spans = %d, want 2 (one per domain call)", n)
			}
			var reqLine map[string]any
			for _, l := range jsonLines(app.logs.String()) {
				if l["msg"] == "request" {
					reqLine = l
				}
			}
			if reqLine == nil || reqLine["trace_id"] != gotTrace || reqLine["route"] != "/products/:id" || reqLine["client_kind"] != "web" {
				t.Errorf("request log line = %v, want trace_id %s, route and client_kind", reqLine, gotTrace)
			}
			emf := jsonLines(app.emf.String())
			if len(emf) == 0 || emf[0]["trace_id"] != gotTrace {
				t.Errorf("EMF lines = %v, want trace_id %s", emf, gotTrace)
			}
		})
	}
}

func TestSDKErrorSpanAndProblem(t *testing.T) {
	app := newLambdaApp(t)
	out, err := app.handler.Invoke(context.Background(), loadEvent(t, "/broken", map[string]string{
		"x-amzn-trace-id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c;Parent=53995c3f42cd8ad8;Sampled=1"}))
	if err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	var resp v2Response
	_ = json.Unmarshal(out, &resp)
	var body problem.Problem
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || resp.StatusCode != 500 {
		t.Fatalf("GET /broken = %d %s, want a 500 problem", resp.StatusCode, resp.Body)
	}
	if body.TraceID != "1-5e9f0c65-1de4d666d4dd26aced652b6c" {
		t.Errorf("problem trace_id = %q, want the incoming trace", body.TraceID)
	}
	calls := findSpans(app.spans.GetSpans(), "DynamoDB.GetItem")
	if len(calls) != 1 || calls[0].Status.Code != 1 /* codes.Error */ || attr(calls[0], "api.error_code") != "ResourceNotFoundException" {
		t.Errorf("DynamoDB.GetItem spans = %+v, want 1 error span with the AWS error code", calls)
	}
	var failed map[string]any
	for _, l := range jsonLines(app.logs.String()) {
		if l["msg"] == "request failed" {
			failed = l
		}
	}
	if failed == nil || failed["trace_id"] != body.TraceID {
		t.Errorf("error log line = %v, want trace_id %s", failed, body.TraceID)
	}
	// a ResourceNotFound is a client fault: not a dependency failure
	if strings.Contains(app.emf.String(), metrics.DownstreamErrors) {
		t.Errorf("EMF = %s, want no DownstreamErrors for a client fault", app.emf.String())
	}
}

var _ sdktrace.SpanExporter = (*tracing.Exporter)(nil)

// cleanups run after every test of the package (emulators shared between tests).
var cleanups []func()
