package lambdazip

// The partner webhook and mobile push functions (issue 18), appended in their own file so
// features that add workers concurrently do not edit the same line.
func init() {
	Workers = append(Workers,
		Target{Name: "webhook-fanout", Pkg: "./workers/cmd/webhook-fanout"},
		Target{Name: "webhook-sender", Pkg: "./workers/cmd/webhook-sender"},
		Target{Name: "push", Pkg: "./workers/cmd/push"},
	)
}
