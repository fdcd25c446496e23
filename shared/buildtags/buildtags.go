// Package buildtags names the Go build tags of the release builds. It is a leaf (no imports),
// so build tooling such as the deploy CLI can use it without linking the server it builds.
package buildtags

// Lambda are the build tags of every Lambda bootstrap (make lambda, bffdeploy build, the RIE
// tests, make bench): lambda.norpc drops aws-lambda-go's unused net/rpc mode, and nomsgpack
// drops Gin's MessagePack binding (the BFFs bind JSON only), about 0.9 MB per binary.
const Lambda = "lambda.norpc,nomsgpack"
