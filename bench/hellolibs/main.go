// Command hellolibs is a Go hello-world linked with the libraries the
// architecture requires kirofile to use (go-plugin, with gRPC and
// protobuf; hcl and go-cty; go-openai) and using none of them: what
// starting a program that links them costs, the floor of kirofile's own
// start-up, which bench/run.sh measures beside the bare hello-world.
package main

import (
	"fmt"

	_ "github.com/hashicorp/go-plugin"
	_ "github.com/hashicorp/hcl/v2/hclsyntax"
	_ "github.com/sashabaranov/go-openai"
	_ "github.com/zclconf/go-cty/cty"
)

func main() { fmt.Println("hello, world") }
