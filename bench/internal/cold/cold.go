// Package cold measures cold starts under the Lambda Runtime Interface Emulator: each sample
// is a fresh emulator with a fresh bootstrap process, one invoke, the emulator's REPORT
// "Init Duration" and the client-side latency of that first invoke.
package cold

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"time"

	"bffsuite.dev/bench/internal/proc"
)

// Sample is one fresh start.
type Sample struct {
	Init         time.Duration `json:"init_ns"`
	FirstInvoke  time.Duration `json:"first_invoke_ns"`
	InvokeStatus int           `json:"invoke_status"` // statusCode in the function's response
}

// Summary is the median of several samples.
type Summary struct {
	Samples     []Sample      `json:"samples"`
	Init        time.Duration `json:"init_median_ns"`
	FirstInvoke time.Duration `json:"first_invoke_median_ns"`
}

var (
	initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	initDurRE    = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)
)

// ParseInit returns the init phase duration from the emulator's output: the "INIT REPORT
// (durationMs: X)" line of the emulator's runtime (from exec of the bootstrap to its first
// call for the next event), else the "Init Duration" of the first REPORT line. The emulator
// build installed here prints a constant 0.03 ms as the latter, so the INIT REPORT line is
// preferred.
func ParseInit(logs string) (time.Duration, bool) {
	for _, re := range []*regexp.Regexp{initReportRE, initDurRE} {
		m := re.FindStringSubmatch(logs)
		if m == nil {
			continue
		}
		ms, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		return time.Duration(ms * float64(time.Millisecond)), true
	}
	return 0, false
}

var statusRE = regexp.MustCompile(`"statusCode"\s*:\s*([0-9]+)`)

// Measure starts rie with bootstrap n times (one at a time), invokes event once per start
// and returns the samples and their medians. env is added to a Lambda-like environment.
func Measure(ctx context.Context, rie, bootstrap string, env []string, event []byte, n int) (Summary, error) {
	var s Summary
	for i := range n {
		smp, err := once(ctx, rie, bootstrap, env, event)
		if err != nil {
			return s, fmt.Errorf("start %d of %s: %w", i+1, bootstrap, err)
		}
		s.Samples = append(s.Samples, smp)
	}
	s.Init = Median(collect(s.Samples, func(x Sample) time.Duration { return x.Init }))
	s.FirstInvoke = Median(collect(s.Samples, func(x Sample) time.Duration { return x.FirstInvoke }))
	return s, nil
}

// Summarize returns the samples with their medians.
func Summarize(samples []Sample) Summary {
	return Summary{Samples: samples,
		Init:        Median(collect(samples, func(x Sample) time.Duration { return x.Init })),
		FirstInvoke: Median(collect(samples, func(x Sample) time.Duration { return x.FirstInvoke }))}
}

func once(ctx context.Context, rie, bootstrap string, env []string, event []byte) (Sample, error) {
	addr, err := proc.FreeAddr()
	if err != nil {
		return Sample{}, err
	}
	apiAddr, err := proc.FreeAddr()
	if err != nil {
		return Sample{}, err
	}
	base := []string{
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_LAMBDA_FUNCTION_NAME=function", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30",
	}
	p, err := proc.Start("aws-lambda-rie", rie,
		[]string{"--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap},
		append(base, env...))
	if err != nil {
		return Sample{}, err
	}
	defer p.Stop()
	if err := proc.WaitListen(ctx, addr, 10*time.Second); err != nil {
		return Sample{}, fmt.Errorf("%w\n%s", err, p.Output())
	}
	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
	if err != nil {
		return Sample{}, err
	}
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Sample{}, fmt.Errorf("invoke: %w\n%s", err, p.Output())
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if resp.StatusCode != http.StatusOK {
		return Sample{}, fmt.Errorf("invoke: status %d: %s\n%s", resp.StatusCode, body, p.Output())
	}
	smp := Sample{FirstInvoke: d}
	if m := statusRE.FindSubmatch(body); m != nil {
		smp.InvokeStatus, _ = strconv.Atoi(string(m[1]))
	}
	// The REPORT line is printed right after the response; give the emulator a moment.
	deadline := time.Now().Add(3 * time.Second)
	for {
		if init, ok := ParseInit(p.Output()); ok {
			smp.Init = init
			return smp, nil
		}
		if time.Now().After(deadline) {
			return smp, fmt.Errorf("no Init Duration in the emulator's REPORT line:\n%s", p.Output())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func collect(s []Sample, f func(Sample) time.Duration) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, x := range s {
		out[i] = f(x)
	}
	return out
}

// Median of ds (the lower middle for an even count); 0 for none.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

// FileSize returns the size of a file in bytes.
func FileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// APIGatewayV2Event is a minimal HTTP API (payload 2.0) event for method and path.
func APIGatewayV2Event(method, path string) []byte {
	return fmt.Appendf(nil, `{"version":"2.0","routeKey":"$default","rawPath":%q,"rawQueryString":"","headers":{"accept":"application/json","host":"bench.execute-api.us-east-1.amazonaws.com","user-agent":"benchreport","x-forwarded-for":"127.0.0.1","x-forwarded-port":"443","x-forwarded-proto":"https"},"requestContext":{"accountId":"123456789012","apiId":"bench","domainName":"bench.execute-api.us-east-1.amazonaws.com","domainPrefix":"bench","http":{"method":%q,"path":%q,"protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"benchreport"},"requestId":"bench-cold-start","routeKey":"$default","stage":"$default","time":"27/Nov/2026:00:00:00 +0000","timeEpoch":1795737600000},"isBase64Encoded":false}`, path, method, path)
}
