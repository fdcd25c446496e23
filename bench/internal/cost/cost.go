// Package cost turns measured request durations into a price per million requests with the
// public AWS list prices written down here (us-east-1, first pricing tier).
package cost

import (
	"math"
	"time"
)

// Prices are list prices in USD. Each field says what it is per.
type Prices struct {
	Source               string  `json:"source"`
	TakenOn              string  `json:"taken_on"`
	Region               string  `json:"region"`
	LambdaArmPerGBSecond float64 `json:"lambda_arm64_per_gb_second"`
	LambdaPerMillion     float64 `json:"lambda_per_million_requests"`
	HTTPAPIPerMillion    float64 `json:"http_api_per_million_requests"`
	RESTAPIPerMillion    float64 `json:"rest_api_per_million_requests"`
}

// ListPrices are the us-east-1 list prices of the first tier (Lambda arm64 duration up to
// 7.5 billion GB-s a month, HTTP API up to 300 million, REST API up to 333 million requests a
// month), free tiers ignored.
var ListPrices = Prices{
	Source: "AWS Lambda pricing (arm64 duration $0.0000133334/GB-s, requests $0.20/M; as quoted in the AWS Compute Blog " +
		"\"Introducing tiered pricing for AWS Lambda\") and Amazon API Gateway pricing (HTTP API $1.00/M, REST API $3.50/M; " +
		"as quoted in the AWS whitepaper \"Best Practices for Designing Amazon API Gateway Private APIs and Private Integration\", " +
		"Cost optimization)",
	TakenOn:              "2026-11-27",
	Region:               "us-east-1",
	LambdaArmPerGBSecond: 0.0000133334,
	LambdaPerMillion:     0.20,
	HTTPAPIPerMillion:    1.00,
	RESTAPIPerMillion:    3.50,
}

// Estimate is the price of one million requests of one endpoint.
type Estimate struct {
	BilledMS      int64   `json:"billed_ms"`
	MemoryMB      int     `json:"memory_mb"`
	LambdaCompute float64 `json:"lambda_compute_usd"`
	LambdaTotal   float64 `json:"lambda_total_usd"` // compute + requests
	WithHTTPAPI   float64 `json:"with_http_api_usd"`
	WithRESTAPI   float64 `json:"with_rest_api_usd"`
}

// PerMillion prices one million requests that each run for d on a function of memoryMB.
// Lambda bills duration rounded up to the next millisecond, at least 1 ms.
func PerMillion(p Prices, d time.Duration, memoryMB int) Estimate {
	ms := int64(math.Ceil(float64(d) / float64(time.Millisecond)))
	if ms < 1 {
		ms = 1
	}
	gbSeconds := float64(ms) / 1000 * float64(memoryMB) / 1024 * 1e6
	compute := gbSeconds * p.LambdaArmPerGBSecond
	lambda := compute + p.LambdaPerMillion
	return Estimate{
		BilledMS: ms, MemoryMB: memoryMB,
		LambdaCompute: compute, LambdaTotal: lambda,
		WithHTTPAPI: lambda + p.HTTPAPIPerMillion,
		WithRESTAPI: lambda + p.RESTAPIPerMillion,
	}
}
