# shellcheck shell=bash
# The build of binaries from the pinned Go modules in tools/, shared by kube-binaries.sh and
# peer-binaries.sh (sourced after common.sh, not run). A script sets `name`, `repo`, `check`, `cache`,
# `binaries` (executables) and `files` (other artefacts), then:
#   go_tools_cached "<how long a cold build takes>"   # prints the cache and exits when it is complete
#   go_tools_begin "<what needs Go>"                   # checks Go and its proxy, makes $work
#   go_tools_build <module dir> <what> <go build args...>
#   go_tools_finish                                    # moves $work's results into $cache, prints it
# The last line on stdout is always the cache directory, so callers can do: dir=$(script | tail -n1).
# Those variables are the sourcing script's:
# shellcheck disable=SC2154

log() { echo "$name: $*" >&2; }

# The version a tools module pins for a module path, read from its go.mod (the single source).
pinned() {
  local mod="$1" path="$2" v
  v="$(awk -v p="$path" '$1 == p && $2 ~ /^v/ { print $2; exit }' "$repo/tools/$mod/go.mod")"
  [ -n "$v" ] || die "tools/$mod/go.mod does not require $path"
  echo "$v"
}

# A hash of the named tools modules' go.mod and go.sum (and the files in extra_key_files): the cache key
# changes exactly when what is built could.
modules_hash() {
  local mods=("$@")
  (cd "$repo/tools" && cat "${mods[@]/%//go.mod}" "${mods[@]/%//go.sum}" "${extra_key_files[@]}" | sha256sum | cut -c1-12)
}

go_tools_complete() {
  local f
  for f in "${binaries[@]}"; do [ -x "$cache/$f" ] || return 1; done
  for f in "${files[@]}"; do [ -f "$cache/$f" ] || return 1; done
}

go_tools_cached() {
  if go_tools_complete; then
    [ "$check" = 1 ] || log "cache complete, nothing to build"
    echo "$cache"
    exit 0
  fi
  if [ "$check" = 1 ]; then
    echo "$name: not built yet (no complete $cache); run scripts/$name.sh ($1)" >&2
    exit 3
  fi
}

go_tools_begin() {
  command -v go >/dev/null 2>&1 || die "Go is not on PATH: $1 are built from Go modules (install Go 1.26 or newer, https://go.dev/doc/install)"
  proxy="$(go env GOPROXY)"
  [ "$proxy" != "off" ] || die "GOPROXY is off: the pinned modules come from a Go module proxy (set GOPROXY, e.g. https://proxy.golang.org)"
  log "building into $cache with $(go version | cut -d' ' -f3) from $proxy"
  mkdir -p "$cache"
  work="$(mktemp -d "$cache/.build.XXXXXX")"
  # shellcheck disable=SC2064 # $work is fixed now, expanded once on purpose
  trap "rm -rf '$work'" EXIT
  export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
  start_all=$SECONDS
}

# go_tools_build <module dir> <what> <go build args...>: downloads (verified against go.sum) and builds into $work.
go_tools_build() {
  local mod="$1" what="$2" start=$SECONDS
  shift 2
  log "$what: downloading and building (tools/$mod)"
  if ! (cd "$repo/tools/$mod" && go mod download && go build -trimpath -o "$work/" "$@") >"$work/$mod.log" 2>&1; then
    tail -n 30 "$work/$mod.log" >&2
    die "$what failed to build (tools/$mod); if the lines above name the network, check that $proxy is reachable"
  fi
  log "$what: done in $((SECONDS - start)) s"
}

# The directory of a module version in the module cache, as a tools module resolves it.
module_dir() {
  (cd "$repo/tools/$1" && go list -m -f '{{.Dir}}' "$2")
}

go_tools_finish() {
  local f
  for f in "${binaries[@]}" "${files[@]}"; do mv "$work/$f" "$cache/$f"; done
  log "all built in $((SECONDS - start_all)) s; $(du -sh "$cache" | cut -f1) in $cache"
  echo "$cache"
}
