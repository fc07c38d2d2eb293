module github.com/fixiecreds/fixiecreds/middleware/grpcmw

go 1.26.0

require (
	github.com/fixiecreds/fixiecreds v0.0.0
	github.com/stretchr/testify v1.12.1
	google.golang.org/grpc v1.83.2
)

require (
	github.com/fsnotify/fsnotify v1.10.1 // indirect
	github.com/mtibben/confusables v0.0.0-20210201002637-9d1b0723b659 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260526163538-3dc84a4a5aaa // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

// Nothing is published: the module builds against the library beside it.
replace github.com/fixiecreds/fixiecreds => ../..
