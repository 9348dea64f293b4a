# A Linux to run the collection in, for macOS and Windows (and any machine
# without Go or gcc). The examples need Linux itself, not just a Unix: System
# V IPC, /proc and Linux system calls; a container has all three.
#
#   docker build -t ipc-examples .
#   docker run --rm -it ipc-examples                    # ./run.sh: the tour
#   docker run --rm -it ipc-examples go test ./...      # the tests
#
# Add --cap-add=SYS_PTRACE to use strace inside, as the READMEs' "Try this"
# sections do.
FROM golang:1.26-bookworm

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
