// Package pluginv1 holds the generated Go code of the kirofile plugin
// protocol, version 1 (plugin.proto beside this file).
//
// The .pb.go files are checked in, so building kirofile needs no protobuf
// generator. After editing plugin.proto, regenerate with protoc,
// protoc-gen-go and protoc-gen-go-grpc on PATH:
//
//	go generate ./plugins/pluginv1
package pluginv1

//go:generate protoc --go_out=. --go_opt=paths=source_relative --go-grpc_out=. --go-grpc_opt=paths=source_relative plugin.proto
