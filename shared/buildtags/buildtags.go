// Package buildtags names the Go build tags of the release builds. It is a leaf (no imports),
// so build tooling such as the deploy CLI can use it without linking the server it builds.
package buildtags

// LambdaTag leaves the local-only pieces out of a build: the embedded data backend with its
// seed data and fault injector (shared/store), and the local identity provider
// (shared/platform). Such a build serves only Cognito and DynamoDB.
const LambdaTag = "bff.lambda"

// Lambda are the build tags of every shipped Lambda bootstrap (make lambda, bffdeploy build,
// make rehearse, make bench's cold starts and sizes): lambda.norpc drops aws-lambda-go's unused
// net/rpc mode, nomsgpack drops Gin's MessagePack binding (the BFFs bind JSON only, about
// 0.9 MB per binary), and LambdaTag the local-only pieces.
const Lambda = LocalLambda + "," + LambdaTag

// LocalLambda are Lambda without LambdaTag: the same release build with the embedded data and
// the local IdP, for running a bootstrap on local data under the emulator (RIE tests, make
// run-lambda) and for make bench's warm load on embedded data. Never shipped.
const LocalLambda = "lambda.norpc,nomsgpack"
