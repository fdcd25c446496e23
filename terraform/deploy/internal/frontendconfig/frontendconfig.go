// Package frontendconfig turns a root module's Terraform outputs into the JSON file front-ends
// read at build or start time: API URLs, Cognito user pool, app client ids, region and issuer.
// Sensitive outputs never reach it.
package frontendconfig

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// Config is the front-end JSON document.
type Config struct {
	Env        string            `json:"env"`
	Region     string            `json:"region"`
	UserPoolID string            `json:"user_pool_id"`
	Issuer     string            `json:"issuer"`
	APIURLs    map[string]string `json:"api_urls"`
	ClientIDs  map[string]string `json:"client_ids"`
	// Optional values, written when the root has the outputs.
	TokenEndpoint  string `json:"token_endpoint,omitempty"`
	ResourceServer string `json:"resource_server,omitempty"`
}

// bffs are the front-end names used in per-BFF fallback outputs (<name>_api_url, <name>_client_id).
var bffs = []string{"web", "mobile", "partner"}

// FromOutputs builds the config of env from the root outputs (see docs/deploy.md for the
// contract). Every missing or sensitive required output is named in the error. Without a
// region output the region is taken from the user pool id ("eu-central-1_AbC" -> eu-central-1).
func FromOutputs(env string, outputs map[string]tfexec.OutputMeta) (Config, error) {
	r := reader{outputs: outputs}
	c := Config{Env: env}
	c.UserPoolID = r.str("user_pool_id", true)
	if _, ok := outputs["region"]; ok {
		c.Region = r.str("region", true)
	} else if region, _, ok := strings.Cut(c.UserPoolID, "_"); ok && region != "" {
		// Cognito user pool ids are "<region>_<id>".
		c.Region = region
	} else if c.UserPoolID != "" {
		r.problems = append(r.problems, `output "region" is missing and user_pool_id does not start with a region`)
	}
	c.Issuer = r.str("issuer", true)
	c.TokenEndpoint = r.str("token_endpoint", false)
	c.ResourceServer = r.str("resource_server_identifier", false)
	c.APIURLs = r.strMap("api_urls", "_api_url", true)
	c.ClientIDs = r.strMap("client_ids", "_client_id", false)
	if len(r.problems) > 0 {
		return Config{}, fmt.Errorf("front-end config for %s: %s", env, strings.Join(r.problems, "; "))
	}
	return c, nil
}

type reader struct {
	outputs  map[string]tfexec.OutputMeta
	problems []string
}

// get returns the output's value, recording a problem when it is sensitive (or missing and required).
func (r *reader) get(name string, required bool) (json.RawMessage, bool) {
	o, ok := r.outputs[name]
	if !ok {
		if required {
			r.problems = append(r.problems, fmt.Sprintf("output %q is missing", name))
		}
		return nil, false
	}
	if o.Sensitive {
		r.problems = append(r.problems, fmt.Sprintf("output %q is sensitive and is never written for front-ends", name))
		return nil, false
	}
	return o.Value, true
}

func (r *reader) str(name string, required bool) string {
	raw, ok := r.get(name, required)
	if !ok {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || (required && s == "") {
		r.problems = append(r.problems, fmt.Sprintf("output %q must be a non-empty string", name))
	}
	return s
}

// strMap reads a map(string) output, or else the per-BFF outputs <bff><suffix>.
func (r *reader) strMap(name, suffix string, required bool) map[string]string {
	if _, ok := r.outputs[name]; ok {
		raw, ok := r.get(name, true)
		if !ok {
			return nil
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			r.problems = append(r.problems, fmt.Sprintf("output %q must be a map of strings", name))
		}
		return m
	}
	m := map[string]string{}
	for _, b := range bffs {
		if _, ok := r.outputs[b+suffix]; ok {
			if s := r.str(b+suffix, true); s != "" {
				m[b] = s
			}
		}
	}
	if len(m) == 0 && required {
		r.problems = append(r.problems, fmt.Sprintf("output %q (or %s) is missing", name, alternatives(suffix)))
	}
	return m
}

func alternatives(suffix string) string {
	names := make([]string, len(bffs))
	for i, b := range bffs {
		names[i] = b + suffix
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// JSON is the indented document with a trailing newline.
func (c Config) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
