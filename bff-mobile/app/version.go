package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// Headers of app version gating.
const (
	HeaderAppVersion = "X-App-Version"
	HeaderPlatform   = "X-Platform"
	// HeaderAppUpdate is "recommended" on responses to apps below the recommended version
	// (soft deprecation); HeaderRecommendedVersion names that version and HeaderStoreURL where
	// to get it.
	HeaderAppUpdate          = "X-App-Update"
	HeaderRecommendedVersion = "X-App-Recommended-Version"
	HeaderStoreURL           = "X-App-Store-URL"
)

// Platforms the app ships on.
const (
	PlatformIOS     = "ios"
	PlatformAndroid = "android"
)

// CodeUpgradeRequired is the problem code of a 426 answer to a too-old app.
const CodeUpgradeRequired = "upgrade_required"

// VersionConfig is the app version policy per platform. Versions are semantic versions
// (MAJOR.MINOR.PATCH, optionally with a pre-release); empty minimum or recommended versions
// gate nothing.
type VersionConfig struct {
	MinIOS             string `env:"BFF_MOBILE_MIN_VERSION_IOS" default:"1.0.0"`
	MinAndroid         string `env:"BFF_MOBILE_MIN_VERSION_ANDROID" default:"1.0.0"`
	RecommendedIOS     string `env:"BFF_MOBILE_RECOMMENDED_VERSION_IOS"`
	RecommendedAndroid string `env:"BFF_MOBILE_RECOMMENDED_VERSION_ANDROID"`
	StoreURLIOS        string `env:"BFF_MOBILE_STORE_URL_IOS" default:"https://apps.apple.com/app/id6450000000"`
	StoreURLAndroid    string `env:"BFF_MOBILE_STORE_URL_ANDROID" default:"https://play.google.com/store/apps/details?id=dev.bffsuite.shop"`
}

// Validate checks every version and URL and that no recommended version is below its minimum.
func (c VersionConfig) Validate() error {
	var errs []string
	check := func(name, minName, minV, recName, recV, urlName, u string) {
		minS, minErr := parseVersionOpt(minV)
		if minErr != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not a semantic version like 1.4.0", minName, minV))
		}
		recS, recErr := parseVersionOpt(recV)
		if recErr != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not a semantic version like 1.4.0", recName, recV))
		}
		if minErr == nil && recErr == nil && minS != nil && recS != nil && recS.Compare(*minS) < 0 {
			errs = append(errs, fmt.Sprintf("%s: %s is below %s %s", recName, recV, minName, minV))
		}
		if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" || pu.Host == "" {
			errs = append(errs, fmt.Sprintf("%s: %q must be an https URL of the %s store", urlName, u, name))
		}
	}
	check("iOS", "BFF_MOBILE_MIN_VERSION_IOS", c.MinIOS, "BFF_MOBILE_RECOMMENDED_VERSION_IOS", c.RecommendedIOS, "BFF_MOBILE_STORE_URL_IOS", c.StoreURLIOS)
	check("Android", "BFF_MOBILE_MIN_VERSION_ANDROID", c.MinAndroid, "BFF_MOBILE_RECOMMENDED_VERSION_ANDROID", c.RecommendedAndroid, "BFF_MOBILE_STORE_URL_ANDROID", c.StoreURLAndroid)
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func parseVersionOpt(s string) (*Version, error) {
	if s == "" {
		return nil, nil
	}
	v, err := ParseVersion(s)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Version is a semantic version (semver.org 2.0.0). Build metadata is ignored.
type Version struct {
	Major, Minor, Patch int
	Pre                 []string
}

// ParseVersion parses MAJOR.MINOR.PATCH[-pre][+build]; "1.4" is read as 1.4.0 because app
// stores show two-part versions too. A leading "v" is accepted.
func ParseVersion(s string) (Version, error) {
	var v Version
	if len(s) == 0 || len(s) > 64 {
		return v, fmt.Errorf("version %q: empty or too long", s)
	}
	s = strings.TrimPrefix(s, "v")
	s, _, _ = strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return v, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH", s)
	}
	nums := [3]int{}
	for i, p := range parts {
		n, err := numeric(p)
		if err != nil {
			return v, fmt.Errorf("version %q: %w", s, err)
		}
		nums[i] = n
	}
	v.Major, v.Minor, v.Patch = nums[0], nums[1], nums[2]
	if hasPre {
		for id := range strings.SplitSeq(pre, ".") {
			if id == "" || strings.Trim(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-") != "" {
				return v, fmt.Errorf("version %q: bad pre-release identifier", s)
			}
			v.Pre = append(v.Pre, id)
		}
	}
	return v, nil
}

func numeric(p string) (int, error) {
	if p == "" || len(p) > 9 || strings.Trim(p, "0123456789") != "" || (len(p) > 1 && p[0] == '0') {
		return 0, fmt.Errorf("%q is not a number", p)
	}
	return strconv.Atoi(p)
}

// Compare returns -1, 0 or +1 by semver precedence: a pre-release ranks below its release.
func (v Version) Compare(o Version) int {
	for _, d := range [][2]int{{v.Major, o.Major}, {v.Minor, o.Minor}, {v.Patch, o.Patch}} {
		if d[0] != d[1] {
			return sign(d[0] - d[1])
		}
	}
	switch {
	case len(v.Pre) == 0 && len(o.Pre) == 0:
		return 0
	case len(v.Pre) == 0:
		return 1
	case len(o.Pre) == 0:
		return -1
	}
	for i := 0; i < len(v.Pre) && i < len(o.Pre); i++ {
		a, b := v.Pre[i], o.Pre[i]
		an, aerr := strconv.Atoi(a)
		bn, berr := strconv.Atoi(b)
		switch {
		case aerr == nil && berr == nil:
			if an != bn {
				return sign(an - bn)
			}
		case aerr == nil: // numeric identifiers rank below alphanumeric ones
			return -1
		case berr == nil:
			return 1
		default:
			if c := strings.Compare(a, b); c != 0 {
				return c
			}
		}
	}
	return sign(len(v.Pre) - len(o.Pre))
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

type platformPolicy struct {
	min, recommended *Version
	minText, recText string
	storeURL         string
}

// versionGate is the middleware of the version policy.
type versionGate struct {
	policies map[string]platformPolicy
	logger   *slog.Logger
}

func newVersionGate(c VersionConfig, logger *slog.Logger) (*versionGate, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	g := &versionGate{policies: map[string]platformPolicy{}, logger: logger}
	for _, p := range []struct{ name, minV, recV, url string }{
		{PlatformIOS, c.MinIOS, c.RecommendedIOS, c.StoreURLIOS},
		{PlatformAndroid, c.MinAndroid, c.RecommendedAndroid, c.StoreURLAndroid},
	} {
		minV, _ := parseVersionOpt(p.minV)
		recV, _ := parseVersionOpt(p.recV)
		g.policies[p.name] = platformPolicy{min: minV, recommended: recV, minText: p.minV, recText: p.recV, storeURL: p.url}
	}
	return g, nil
}

// handle answers 426 Upgrade Required below the platform's minimum version (with the store
// URL in the problem), announces a soft deprecation below the recommended version, and lets
// requests without the headers through (logged, so the share of unversioned clients is
// visible). Malformed headers are a 400 naming the header.
func (g *versionGate) handle(c *gin.Context) {
	ctx := c.Request.Context()
	rawV := strings.TrimSpace(c.GetHeader(HeaderAppVersion))
	rawP := strings.ToLower(strings.TrimSpace(c.GetHeader(HeaderPlatform)))
	v := &domain.ValidationError{}
	var ver Version
	if rawV != "" {
		var err error
		if ver, err = ParseVersion(rawV); err != nil {
			v.Add(HeaderAppVersion, "invalid", "must be a semantic version such as 2.3.1")
		}
	}
	pol, known := g.policies[rawP]
	if rawP != "" && !known {
		v.Add(HeaderPlatform, "invalid", "must be ios or android")
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if rawV == "" || rawP == "" {
		g.logger.LogAttrs(ctx, slog.LevelInfo, "app version headers missing",
			slog.Bool("has_version", rawV != ""), slog.Bool("has_platform", rawP != ""),
			slog.String("route", c.FullPath()))
		c.Next()
		return
	}
	if f := logging.FieldsFrom(ctx); f != nil {
		f.Set("app_platform", rawP)
		f.Set("app_version", rawV)
	}
	if pol.min != nil && ver.Compare(*pol.min) < 0 {
		e := problem.New(http.StatusUpgradeRequired, CodeUpgradeRequired,
			fmt.Sprintf("This version of the app is no longer supported; update to %s or later.", pol.minText))
		e.Title = "App update required"
		e.Extensions = map[string]any{"store_url": pol.storeURL, "min_version": pol.minText, "platform": rawP}
		problem.Abort(c, e)
		return
	}
	if pol.recommended != nil && ver.Compare(*pol.recommended) < 0 {
		h := c.Writer.Header()
		h.Set(HeaderAppUpdate, "recommended")
		h.Set(HeaderRecommendedVersion, pol.recText)
		h.Set(HeaderStoreURL, pol.storeURL)
	}
	c.Next()
}
