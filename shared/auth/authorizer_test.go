package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// authorizerRequest turns an API Gateway event from testdata into the http.Request the Lambda
// adapter hands to Gin, with the event's request context attached.
func authorizerRequest(t *testing.T, file, exp string) *http.Request {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.ReplaceAll(string(b), `"EXP"`, `"`+exp+`"`))
	var req *http.Request
	if strings.Contains(file, "v2") {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		req, err = (&core.RequestAccessorV2{}).EventToRequestWithContext(context.Background(), ev)
	} else {
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatal(err)
		}
		req, err = (&core.RequestAccessor{}).EventToRequestWithContext(context.Background(), ev)
	}
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Path, req.RequestURI = "/r", "/r"
	return req
}

func TestTrustedAuthorizerClaims(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	later := time.Now().Add(time.Hour).Unix()
	valid := func(trust bool) *Verifier {
		v := newTestVerifier(t, a)
		v.trustAuthorizer = trust
		v.now = time.Now
		return v
	}
	future := strings.TrimSpace(time.Unix(later, 0).UTC().Format("Mon Jan 02 15:04:05 MST 2006"))
	tests := []struct {
		name       string
		file, exp  string
		trust      bool
		acc        Access
		wantStatus int
		wantGroups []string
	}{
		{"HTTP API JWT authorizer trusted", "apigw_v2_jwt_authorizer.json", itoa(later), true, Access{}, 200, []string{"customers", "admins"}},
		{"REST Cognito authorizer trusted (id token)", "apigw_rest_cognito_authorizer.json", future, true, Access{Use: UseID}, 200, []string{"customers", "admins"}},
		{"trust off by default: bearer token required", "apigw_v2_jwt_authorizer.json", itoa(later), false, Access{}, 401, nil},
		{"trusted claims still checked: expired", "apigw_v2_jwt_authorizer.json", "1764230500", true, Access{}, 401, nil},
		{"trusted claims still checked: id token on an access route", "apigw_rest_cognito_authorizer.json", future, true, Access{}, 401, nil},
		{"trusted claims still checked: client", "apigw_v2_jwt_authorizer.json", itoa(later), true, Access{Clients: []string{mobileClient}}, 401, nil},
		{"trusted claims still checked: scope", "apigw_v2_jwt_authorizer.json", itoa(later), true, Access{Scopes: []string{"partner-api/orders.write"}}, 403, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			router(valid(tt.trust), tt.acc).ServeHTTP(rec, authorizerRequest(t, tt.file, tt.exp))
			if rec.Code != tt.wantStatus {
				t.Fatalf("GET /r = %d %s, want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				return
			}
			var body struct {
				Groups        []string `json:"groups"`
				ViaAuthorizer bool     `json:"via_authorizer"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(body.Groups, tt.wantGroups) || !body.ViaAuthorizer {
				t.Errorf("principal = %+v, want groups %v via the authorizer", body, tt.wantGroups)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
