package tfrun

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var (
	// awsMarkers are configuration snippets that make a root talk to AWS.
	awsMarkers = regexp.MustCompile(`"hashicorp/aws"|provider\s+"aws"|backend\s+"s3"|(resource|data)\s+"aws_`)
	// localSource finds local module calls (source = "./x" or "../x").
	localSource = regexp.MustCompile(`source\s*=\s*"(\.\.?/[^"]*)"`)
)

// UsesAWS reports whether the root module or any local module it calls (recursively) uses the
// AWS provider or an S3 backend. It reads the configuration, so it works before init (an S3
// backend already needs credentials during init). Registry modules are not followed.
func UsesAWS(root string) (bool, error) {
	seen := map[string]bool{}
	var walk func(dir string) (bool, error)
	walk = func(dir string) (bool, error) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return false, err
		}
		if seen[abs] {
			return false, nil
		}
		seen[abs] = true
		files, err := filepath.Glob(filepath.Join(abs, "*.tf"))
		if err != nil {
			return false, err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return false, fmt.Errorf("read %s: %w", f, err)
			}
			if awsMarkers.Match(b) {
				return true, nil
			}
			for _, m := range localSource.FindAllSubmatch(b, -1) {
				sub := filepath.Join(abs, string(m[1]))
				if st, err := os.Stat(sub); err != nil || !st.IsDir() {
					continue
				}
				uses, err := walk(sub)
				if err != nil || uses {
					return uses, err
				}
			}
		}
		return false, nil
	}
	return walk(root)
}

// emptyS3Backend is a partial S3 backend block: `backend "s3" {}`, filled at init by
// -backend-config.
var emptyS3Backend = regexp.MustCompile(`(?m)^\s*backend\s+"s3"\s*\{\s*\}`)

// PartialS3Backend reports whether the root's own .tf files declare an empty `backend "s3" {}`
// (comment lines ignored): such a root cannot init its backend without a backend config file.
func PartialS3Backend(root string) (bool, error) {
	files, err := filepath.Glob(filepath.Join(root, "*.tf"))
	if err != nil {
		return false, err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return false, fmt.Errorf("read %s: %w", f, err)
		}
		var code []string
		for _, l := range strings.Split(string(b), "\n") {
			t := strings.TrimSpace(l)
			if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") {
				continue
			}
			code = append(code, l)
		}
		if emptyS3Backend.MatchString(strings.Join(code, "\n")) {
			return true, nil
		}
	}
	return false, nil
}
