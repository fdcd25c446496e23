// Package workers is the event wing of the suite: the Lambda functions that are not behind API
// Gateway. Each function is one main package under cmd/<function> (a DynamoDB stream producer,
// queue consumers, read-model projectors, saga tasks, the import worker), built with the same
// release tags as the BFFs and over the same shared/ domain clients. Their in-process twins run
// under `make run` through the same handler code, so embedded mode and Lambda differ only in
// transport.
package workers
