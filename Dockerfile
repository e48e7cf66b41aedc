# syntax=docker/dockerfile:1
# Built with a container engine, not in the project's CI (which has none).
# Kubernetes manifests that run this image: deploy/kubernetes.

# The build runs on the builder's own platform and cross-compiles, so a
# multi-platform build (linux/amd64, linux/arm64) needs no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
ARG TARGETOS TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /syscall_exporter ./cmd/syscall_exporter

FROM gcr.io/distroless/static-debian12
COPY --from=build /syscall_exporter /syscall_exporter
# Root on purpose, not the distroless nonroot user: the SYS_PTRACE capability
# a pod adds reaches only a UID 0 process. The pod drops every other one.
USER 0:0
EXPOSE 8750
ENTRYPOINT ["/syscall_exporter"]
