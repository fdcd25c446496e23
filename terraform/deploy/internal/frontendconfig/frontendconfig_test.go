package frontendconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// loadOutputs reads a `tofu output -json` document (testdata/outputs-fixture.json comes from
// the fixture root after apply).
func loadOutputs(t *testing.T, name string) map[string]tfexec.OutputMeta {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]tfexec.OutputMeta
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func str(v string) tfexec.OutputMeta {
	b, _ := json.Marshal(v)
	return tfexec.OutputMeta{Value: b}
}

func TestFromOutputsFixture(t *testing.T) {
	got, err := FromOutputs("dev", loadOutputs(t, "outputs-fixture.json"))
	if err != nil {
		t.Fatalf("FromOutputs(fixture) = %v", err)
	}
	want := Config{
		Env:        "dev",
		Region:     "eu-west-1",
		UserPoolID: "eu-west-1_Fxdev",
		Issuer:     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Fxdev",
		APIURLs: map[string]string{
			"web":     "https://bff-web-dev.execute-api.eu-west-1.amazonaws.com/v1",
			"mobile":  "https://bff-mobile-dev.execute-api.eu-west-1.amazonaws.com/v1",
			"partner": "https://bff-partner-dev.execute-api.eu-west-1.amazonaws.com/v1",
		},
		ClientIDs: map[string]string{"web": "client-web-dev", "mobile": "client-mobile-dev"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromOutputs(fixture) = %+v, want %+v", got, want)
	}
	js, err := got.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "not-for-front-ends") {
		t.Errorf("Config.JSON() contains the sensitive output: %s", js)
	}
}

func TestFromOutputs(t *testing.T) {
	base := func() map[string]tfexec.OutputMeta {
		return map[string]tfexec.OutputMeta{
			"user_pool_id":   str("eu-central-1_abc"),
			"issuer":         str("https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_abc"),
			"web_api_url":    str("https://w"),
			"mobile_api_url": str("https://m"),
			"web_client_id":  str("cw"),
		}
	}
	tests := []struct {
		name    string
		edit    func(map[string]tfexec.OutputMeta)
		wantErr []string
		check   func(t *testing.T, c Config)
	}{
		{name: "per-BFF outputs, region from pool id", check: func(t *testing.T, c Config) {
			if c.Region != "eu-central-1" {
				t.Errorf("Region = %q, want eu-central-1", c.Region)
			}
			if want := map[string]string{"web": "https://w", "mobile": "https://m"}; !reflect.DeepEqual(c.APIURLs, want) {
				t.Errorf("APIURLs = %v, want %v", c.APIURLs, want)
			}
			if want := map[string]string{"web": "cw"}; !reflect.DeepEqual(c.ClientIDs, want) {
				t.Errorf("ClientIDs = %v, want %v", c.ClientIDs, want)
			}
		}},
		{name: "missing required", edit: func(m map[string]tfexec.OutputMeta) {
			delete(m, "issuer")
			delete(m, "web_api_url")
			delete(m, "mobile_api_url")
		}, wantErr: []string{`output "issuer" is missing`, `output "api_urls" (or mobile_api_url, partner_api_url, web_api_url) is missing`}},
		{name: "no region anywhere", edit: func(m map[string]tfexec.OutputMeta) {
			m["user_pool_id"] = str("abc")
		}, wantErr: []string{`output "region" is missing`}},
		{name: "sensitive", edit: func(m map[string]tfexec.OutputMeta) {
			o := m["user_pool_id"]
			o.Sensitive = true
			m["user_pool_id"] = o
		}, wantErr: []string{`output "user_pool_id" is sensitive`}},
		{name: "wrong type", edit: func(m map[string]tfexec.OutputMeta) {
			m["api_urls"] = tfexec.OutputMeta{Value: json.RawMessage(`["https://w"]`)}
		}, wantErr: []string{`output "api_urls" must be a map of strings`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs := base()
			if tt.edit != nil {
				tt.edit(outs)
			}
			c, err := FromOutputs("prod", outs)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("FromOutputs() = %v, want nil", err)
				}
				tt.check(t, c)
				return
			}
			if err == nil {
				t.Fatalf("FromOutputs() = nil error, want %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("FromOutputs() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
