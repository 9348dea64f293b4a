# A Linux to run the collection in, for macOS and Windows (and any machine
# without Go or gcc). The examples need Linux itself, not just a Unix: System
# V IPC, /proc and Linux system calls; a container has all three.
#
#   docker build -t ipc-examples .
#   docker run --rm -it ipc-examples                    # ./run.sh: the tour
#   docker run --rm -it ipc-examples go test ./...      # the tests
#
# Add --cap-add=SYS_PTRACE to use strace inside, as the READMEs' "Try this"
# sections do, and --cap-add=SYS_ADMIN to give the exercises' checker (and
# the tests) a private IPC namespace per run (without it they share the
# container's, and say so). To check your own files, mount your clone:
#
#   docker run --rm -it -v "$PWD":/src ipc-examples go run ./exercises check 01-duplex
#
# The base image is pinned to an exact Go release (the one the collection
# was last tested with); pin it by digest too for a reproducible grade.
FROM golang:1.26.8-bookworm

# gcc comes with the image (for the C twins); ps (02-popen), strace and ipcs.
RUN apt-get update \
	&& apt-get install -y --no-install-recommends procps strace util-linux \
	&& rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build ./... && go vet ./...

CMD ["./run.sh"]
