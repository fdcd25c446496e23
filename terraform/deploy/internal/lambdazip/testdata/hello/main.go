// Command hello is the tiny main package lambdazip's tests cross-compile and zip.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from", os.Getenv("AWS_LAMBDA_FUNCTION_NAME"))
}
