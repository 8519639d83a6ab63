# shellcheck shell=bash
# Helpers shared by the scripts in this folder (sourced, not run).

# Prints an error and exits.
die() {
  echo "error: $*" >&2
  exit 1
}

# Checks that every named command is on PATH; says where to get the ones that are not.
need() {
  local missing=()
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  for cmd in "${missing[@]}"; do
    case "$cmd" in
      kind) echo "missing: kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)" >&2 ;;
      kubectl) echo "missing: kubectl (https://kubernetes.io/docs/tasks/tools/)" >&2 ;;
      docker) echo "missing: docker (https://docs.docker.com/engine/install/)" >&2 ;;
      *) echo "missing: $cmd" >&2 ;;
    esac
  done
  die "install the missing commands above and run this again"
}

# kind runs every node as a docker container: the daemon must answer, not just the client exist.
need_docker_daemon() {
  need docker
  docker info >/dev/null 2>&1 || die "the docker daemon is not reachable (docker info failed): start Docker, or check DOCKER_HOST and your permissions"
}
