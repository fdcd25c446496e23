package rehearse

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/shared/rie"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Deployed is one function as the emulator holds it after apply.
type Deployed struct {
	BFF          string // web, mobile, partner
	Name         string
	Handler      string
	Runtime      string
	Architecture string
	Role         string
	Timeout      int32
	MemoryMB     int32
	CodeSHA256   string
	Environment  map[string]string
}

// awsConfig is an SDK configuration against moto with the given static credentials.
func awsConfig(endpoint string, creds aws.CredentialsProvider) aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  creds,
		BaseEndpoint: aws.String(endpoint),
		HTTPClient:   &http.Client{Timeout: 30 * time.Second},
	}
}

func adminConfig(endpoint string) aws.Config {
	return awsConfig(endpoint, credentials.NewStaticCredentialsProvider("test", "test", ""))
}

// ReadDeployed reads a function's configuration back from the emulator.
func ReadDeployed(ctx context.Context, endpoint, bff, name string) (Deployed, error) {
	c := lambda.NewFromConfig(adminConfig(endpoint))
	out, err := c.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	if err != nil {
		return Deployed{}, fmt.Errorf("lambda GetFunction %s: %w", name, err)
	}
	fc := out.Configuration
	d := Deployed{
		BFF: bff, Name: name, Handler: aws.ToString(fc.Handler), Runtime: string(fc.Runtime),
		Role: aws.ToString(fc.Role), Timeout: aws.ToInt32(fc.Timeout), MemoryMB: aws.ToInt32(fc.MemorySize),
		CodeSHA256: aws.ToString(fc.CodeSha256), Environment: map[string]string{},
	}
	if len(fc.Architectures) > 0 {
		d.Architecture = string(fc.Architectures[0])
	}
	if fc.Environment != nil {
		for k, v := range fc.Environment.Variables {
			d.Environment[k] = v
		}
	}
	return d, nil
}

// PutSecrets creates the SecureString parameters Terraform does not manage (names from the
// secret_parameters output) with fresh random values: 32-byte base64 keys, which every secret
// of the BFFs accepts (session keys, cursor key). Existing parameters (the web client secret
// Terraform wrote) are left alone.
func PutSecrets(ctx context.Context, endpoint string, names []string) (created []string, err error) {
	c := ssm.NewFromConfig(adminConfig(endpoint))
	for _, n := range names {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		_, err := c.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(n), Type: ssmtypes.ParameterTypeSecureString,
			Value: aws.String(base64.StdEncoding.EncodeToString(key)),
		})
		var exists *ssmtypes.ParameterAlreadyExists
		if errors.As(err, &exists) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("ssm PutParameter %s: %w", n, err)
		}
		created = append(created, n)
	}
	return created, nil
}

// ReadSecrets reads the parameters' values by the last path element (the variable name).
func ReadSecrets(ctx context.Context, endpoint string, names []string) (map[string]string, error) {
	out := map[string]string{}
	c := ssm.NewFromConfig(adminConfig(endpoint))
	for start := 0; start < len(names); start += 10 {
		res, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: names[start:min(start+10, len(names))], WithDecryption: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("ssm GetParameters: %w", err)
		}
		for _, p := range res.Parameters {
			n := aws.ToString(p.Name)
			out[n[strings.LastIndex(n, "/")+1:]] = aws.ToString(p.Value)
		}
	}
	return out, nil
}

// AssumeRole returns credentials of role (as the Lambda service would get them).
func AssumeRole(ctx context.Context, endpoint, role, session string) (aws.Credentials, error) {
	c := sts.NewFromConfig(adminConfig(endpoint))
	out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String(session)})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("sts AssumeRole %s: %w", role, err)
	}
	return aws.Credentials{
		AccessKeyID: aws.ToString(out.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken: aws.ToString(out.Credentials.SessionToken),
	}, nil
}

// ExtractBootstrap checks that zipPath is the code the emulator holds (CodeSha256) and writes
// its handler executable into dir.
func ExtractBootstrap(zipPath string, d Deployed, dir string) (string, error) {
	raw, err := os.ReadFile(zipPath)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(raw)
	if got := base64.StdEncoding.EncodeToString(sum[:]); d.CodeSHA256 != "" && got != d.CodeSHA256 {
		return "", fmt.Errorf("%s: zip %s has CodeSha256 %s, the deployed function %s", d.Name, zipPath, got, d.CodeSHA256)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return "", fmt.Errorf("%s: %w", zipPath, err)
	}
	handler := d.Handler
	if d.Runtime == "provided.al2023" || d.Runtime == "provided.al2" {
		handler = "bootstrap" // custom runtimes start ./bootstrap whatever the handler says
	}
	for _, f := range zr.File {
		if f.Name != handler {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return "", err
		}
		defer rc.Close()
		out := filepath.Join(dir, handler)
		w, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(w, rc); err != nil {
			w.Close()
			return "", err
		}
		return out, w.Close()
	}
	return "", fmt.Errorf("%s: no %s in %s", d.Name, handler, zipPath)
}

// FunctionEnv is the environment the function runs with under the emulator: the Lambda
// runtime's own variables, the role's credentials, the function's environment exactly as
// deployed, and endpoints pointing the SDK at the emulator. Outbound proxies point at a closed
// loopback port so nothing leaves the machine.
func FunctionEnv(d Deployed, creds aws.Credentials, endpoint string) (env []string, added []string) {
	base := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": os.Getenv("HOME"), "TZ": ":UTC", "LANG": "en_US.UTF-8",
		"AWS_REGION": Region, "AWS_DEFAULT_REGION": Region,
		"AWS_LAMBDA_FUNCTION_NAME": d.Name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(int(d.MemoryMB)),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + d.Name,
		"AWS_EXECUTION_ENV":               "AWS_Lambda_" + d.Runtime,
		"_HANDLER":                        d.Handler,
		"AWS_ACCESS_KEY_ID":               creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": creds.SecretAccessKey,
		"AWS_SESSION_TOKEN": creds.SessionToken,
	}
	for k, v := range d.Environment {
		base[k] = v
	}
	extra := map[string]string{
		"AWS_ENDPOINT_URL": endpoint,
		"HTTPS_PROXY":      "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost",
	}
	for k, v := range extra {
		if _, set := d.Environment[k]; set {
			continue
		}
		base[k] = v
		added = append(added, k)
	}
	// The user pool's keys are at its issuer, https://cognito-idp.REGION.amazonaws.com/POOL, on
	// AWS; here that host is the emulator, which serves them at ENDPOINT/POOL/.well-known/jwks.json.
	if u, ok := d.Environment["BFF_COGNITO_JWKS_URL"]; ok && strings.HasPrefix(u, "https://cognito-idp.") {
		if iss, found := strings.CutSuffix(u, "/.well-known/jwks.json"); found {
			if local, err := UserPoolJWKS(endpoint, iss); err == nil {
				base["BFF_COGNITO_JWKS_URL"] = local
				added = append(added, "BFF_COGNITO_JWKS_URL (the pool's keys at the emulator)")
			}
		}
	}
	for k, v := range base {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	sort.Strings(added)
	return env, added
}

// startEmulator runs one function under the Lambda Runtime Interface Emulator (shared/rie,
// as the journeys' fronts do) with env, d's name and memory, and timeout seconds.
func startEmulator(ctx context.Context, rieBin, bootstrap string, env []string, d Deployed, timeout int32) (*rie.Pool, error) {
	return rie.Start(ctx, rie.Options{Bootstrap: bootstrap, BaseEnv: env, FunctionName: d.Name, MemoryMB: int(d.MemoryMB),
		Timeout: time.Duration(timeout) * time.Second, Binary: rieBin})
}

// initDuration is the first init phase the emulator reported.
func initDuration(em *rie.Pool) (time.Duration, bool) { return rie.InitDuration(em.Logs()) }

// HTTPEvent is a GET of path as the API in front of bff would send it: payload 2.0 from the HTTP
// APIs (web, mobile; $default stage), payload 1.0 from the partner REST API (stage).
func HTTPEvent(bff, stage, target string) ([]byte, error) {
	now := time.Now().UTC()
	path, rawQuery, _ := strings.Cut(target, "?")
	query := map[string]string{}
	multi := map[string][]string{}
	if rawQuery != "" {
		vals, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, fmt.Errorf("query of %s: %w", target, err)
		}
		for k, v := range vals {
			query[k], multi[k] = strings.Join(v, ","), v
		}
	}
	headers := map[string]string{"accept": "application/json", "user-agent": "bffsuite-rehearse", "x-forwarded-proto": "https"}
	if bff == "partner" {
		return json.Marshal(events.APIGatewayProxyRequest{
			Resource: path, Path: path, HTTPMethod: http.MethodGet, Headers: headers,
			QueryStringParameters: query, MultiValueQueryStringParameters: multi,
			MultiValueHeaders: map[string][]string{"accept": {"application/json"}},
			RequestContext: events.APIGatewayProxyRequestContext{
				AccountID: "123456789012", Stage: stage, RequestID: fmt.Sprintf("rehearse-%d", now.UnixNano()),
				ResourcePath: path, HTTPMethod: http.MethodGet, Path: "/" + stage + path,
				RequestTimeEpoch: now.UnixMilli(), Identity: events.APIGatewayRequestIdentity{SourceIP: "127.0.0.1", UserAgent: "bffsuite-rehearse"},
			},
		})
	}
	return json.Marshal(events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: path, RawQueryString: rawQuery, QueryStringParameters: query, Headers: headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", Stage: "$default", RouteKey: "$default", RequestID: fmt.Sprintf("rehearse-%d", now.UnixNano()),
			DomainName: "rehearse.execute-api.local", TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: path, Protocol: "HTTP/1.1", SourceIP: "127.0.0.1", UserAgent: "bffsuite-rehearse"},
		},
	})
}

// Status reads the status code (and the body, for messages) of a proxy response payload.
func Status(payload []byte) (int, string, error) {
	var r struct {
		StatusCode   int    `json:"statusCode"`
		Body         string `json:"body"`
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		return 0, "", fmt.Errorf("response %q: %w", tail(string(payload), 300), err)
	}
	if r.StatusCode == 0 {
		return 0, "", fmt.Errorf("function error %s: %s", r.ErrorType, tail(string(payload), 600))
	}
	return r.StatusCode, r.Body, nil
}

// initError picks the function's own last lines (its error) and the emulator's first error.
func initError(logs string) string {
	var own []string
	rapid := ""
	for _, l := range strings.Split(logs, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case strings.Contains(l, "(rapid)"):
			if rapid == "" && strings.Contains(l, "[ERROR]") {
				rapid = l
			}
		default:
			own = append(own, l)
		}
	}
	if len(own) > 6 {
		own = own[len(own)-6:]
	}
	if rapid != "" {
		own = append(own, rapid)
	}
	if len(own) == 0 {
		return tail(logs, 1500)
	}
	return strings.Join(own, "\n")
}
