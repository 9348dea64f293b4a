module github.com/goipc/ipc-examples

go 1.20

require (
	github.com/fatih/color v1.18.0
	golang.org/x/sys v0.30.0
)

require (
	github.com/mattn/go-colorable v0.1.16 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
)
