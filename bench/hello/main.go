// Command hello is the Go hello-world that kirofile's start-up is compared
// with in bench/run.sh.
package main

import "fmt"

func main() { fmt.Println("hello, world") }
